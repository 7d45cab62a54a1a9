import { act, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useRealtimeStore } from "@/lib/realtime-store";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { CurrentReading, pickShown } from "./current-reading";

const NOW = Date.parse("2026-12-07T10:00:00Z");
const row = (minAgo: number, value_mgdl: number, trend: string | null = "Flat") => ({
  id: minAgo,
  timestamp: new Date(NOW - minAgo * 60000).toISOString(),
  value_mgdl,
  value: value_mgdl,
  unit: "mg/dL",
  trend,
  source: "api",
  kind: "cgm",
  flag: null,
});

function serve(items: object[]) {
  vi.stubGlobal("fetch", vi.fn(routeFetch({ "/glucose": { items, next_cursor: null } })));
}

describe("CurrentReading", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(NOW));
    signInTestUser({ unit: "mmol/L", timezone: "UTC" });
    useRealtimeStore.getState().reset();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("replaces the value with a newer live reading without refetching, in the user's unit", async () => {
    serve([row(5, 126), row(10, 120)]);
    renderWithClient(<CurrentReading unit="mmol/L" zone="UTC" />);
    await waitFor(() => expect(screen.getByTestId("current-value")).toHaveTextContent("7.0"));
    act(() =>
      useRealtimeStore.getState().setReading({
        ts: new Date(NOW - 30_000).toISOString(),
        value_mgdl: 90,
        value: 5.0,
        unit: "mmol/L",
        trend: "SingleDown",
        delta: -2,
        delta_mgdl: -36,
        source: "api",
      }),
    );
    expect(screen.getByTestId("current-value")).toHaveTextContent("5.0");
    expect(screen.getByTestId("current-trend")).toHaveTextContent("↓");
    // The change is against the reading before it (the query's newest): 126 → 90 mg/dL.
    expect(screen.getByTestId("current-change")).toHaveTextContent("−2.0 mmol/L");
    expect(screen.getByTestId("current-age")).toHaveTextContent("just now");
    expect(screen.getByTestId("current-announce")).toHaveTextContent("5.0 mmol/L, in range, falling");
  });

  it("greys a reading older than 10 minutes, says for how long there has been no data and drops the arrow", async () => {
    serve([row(25, 126, "SingleUp"), row(30, 120)]);
    renderWithClient(<CurrentReading unit="mmol/L" zone="UTC" />);
    expect(await screen.findByTestId("current-stale")).toHaveTextContent("No data for 25 min");
    expect(screen.queryByTestId("current-trend")).toBeNull();
    expect(screen.getByTestId("current-value").parentElement).toHaveClass("text-slate-500");
    expect(screen.getByTestId("current-announce")).toHaveTextContent("No current glucose reading");
  });

  it("ignores a live reading older than the newest fetched one (a replay after a refetch)", () => {
    const live = {
      ts: new Date(NOW - 20 * 60000).toISOString(),
      value_mgdl: 90,
      value: 90,
      unit: "mg/dL",
      trend: null,
      delta: null,
      delta_mgdl: null,
      source: "api",
    };
    const [shown, previous] = pickShown([row(5, 126) as never, row(10, 120) as never], live);
    expect(shown?.value_mgdl).toBe(126);
    expect(previous?.value_mgdl).toBe(120);
  });

  it("shows whether the live channel is connected", async () => {
    serve([row(5, 126)]);
    renderWithClient(<CurrentReading unit="mg/dL" zone="UTC" />);
    act(() => useRealtimeStore.getState().setStatus("reconnecting"));
    expect(screen.getByTestId("connection-status")).toHaveTextContent("Reconnecting…");
    act(() => useRealtimeStore.getState().setStatus("live"));
    expect(screen.getByTestId("connection-status")).toHaveTextContent("Live");
  });
});
