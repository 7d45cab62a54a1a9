import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertOut } from "@/lib/api-types";
import { useRealtimeStore } from "@/lib/realtime-store";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { AlertToasts } from "./toasts";

function alert(over: Partial<AlertOut> = {}): AlertOut {
  return {
    id: "a1",
    kind: "urgent_low",
    severity: "urgent",
    status: "open",
    opened_at: "2026-12-07T10:00:00Z",
    resolved_at: null,
    resolved_reason: null,
    unit: "mg/dL",
    value: 52,
    value_mgdl: 52,
    last_value: 52,
    last_value_mgdl: 52,
    trigger_reading_at: "2026-12-07T10:00:00Z",
    last_reading_at: "2026-12-07T10:00:00Z",
    acknowledged_at: null,
    read_at: null,
    escalated_at: null,
    last_notified_at: "2026-12-07T10:00:00Z",
    notify_count: 1,
    title: "Urgent low: 52 mg/dL",
    message: "Glucose is 52 mg/dL (your limit: 55 mg/dL). Treat it now.",
    details: {},
    ...over,
  };
}

describe("AlertToasts", () => {
  let calls: { url: string; body: unknown }[];
  beforeEach(() => {
    signInTestUser();
    useRealtimeStore.getState().reset();
    calls = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        calls.push({ url: String(input), body: init?.body ? JSON.parse(String(init.body)) : null });
        return jsonResponse(200, {});
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("shows an urgent alert as an assertive alert with its server text", () => {
    renderWithClient(<AlertToasts />);
    act(() => useRealtimeStore.getState().showToast(alert()));
    const toast = screen.getByRole("alert");
    expect(toast).toHaveAttribute("aria-live", "assertive");
    expect(toast).toHaveTextContent("Urgent low: 52 mg/dL");
    expect(toast).toHaveTextContent("Treat it now.");
  });

  it("acknowledges by id and closes the toast", async () => {
    renderWithClient(<AlertToasts />);
    act(() => useRealtimeStore.getState().showToast(alert()));
    fireEvent.click(screen.getByRole("button", { name: "Acknowledge" }));
    await waitFor(() => expect(screen.queryByTestId("alert-toast")).toBeNull());
    expect(calls.some((c) => c.url.endsWith("/api/v1/alerts/a1/acknowledge"))).toBe(true);
  });

  it("snoozes only the alert's own kind, urgent low for at most 30 minutes", async () => {
    renderWithClient(<AlertToasts />);
    act(() => useRealtimeStore.getState().showToast(alert()));
    fireEvent.click(screen.getByRole("button", { name: "Snooze 30 min" }));
    await waitFor(() => expect(calls.some((c) => c.url.endsWith("/api/v1/alerts/snoozes"))).toBe(true));
    expect(calls.find((c) => c.url.endsWith("/snoozes"))?.body).toEqual({ kinds: ["urgent_low"], minutes: 30 });
  });

  it("lets a warning go after 30 s but keeps an urgent alert until acted on", () => {
    vi.useFakeTimers();
    try {
      renderWithClient(<AlertToasts />);
      act(() => {
        useRealtimeStore.getState().showToast(alert());
        useRealtimeStore.getState().showToast(alert({ id: "w", kind: "high", severity: "warning", title: "High: 260 mg/dL" }));
      });
      expect(screen.getAllByTestId("alert-toast")).toHaveLength(2);
      act(() => vi.advanceTimersByTime(31_000));
      expect(screen.getAllByTestId("alert-toast").map((t) => t.dataset.severity)).toEqual(["urgent"]);
    } finally {
      vi.useRealTimers();
    }
  });
});
