import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import type { GlucoseReading } from "@/lib/api-types";
import { GlucoseView, KindBadges } from "./glucose-view";

const stored: GlucoseReading = {
  id: 7,
  timestamp: "2026-03-01T08:00:00Z",
  utc_offset_min: 0,
  value: 142,
  unit: "mg/dL",
  value_mgdl: 142,
  flag: null,
  trend: "singleUp",
  device: null,
  source: "demo",
  kind: "cgm",
  period_min: 5,
  duplicate_of: null,
  external_id: "g-1",
  created_at: "2026-03-01T08:01:00Z",
};

function server() {
  const posts: Record<string, unknown>[] = [];
  const puts: Record<string, unknown>[] = [];
  const fetchMock = vi.fn(
    routeFetch({
      "/glucose": (init?: RequestInit) => {
        if (init?.method === "POST") {
          const body = JSON.parse(String(init.body)) as Record<string, unknown>;
          // The server refuses a second manual reading at the same time.
          if (posts.some((p) => p.timestamp === body.timestamp))
            return jsonResponse(409, {
              error: {
                code: "conflict",
                message: "A glucose entry with the same source and external_id (or the same source and time) already exists.",
              },
            });
          posts.push(body);
          return jsonResponse(201, {
            ...stored,
            id: String(posts.length + 100),
            timestamp: new Date(String(body.timestamp)).toISOString(),
            value: body.value,
            value_mgdl: body.value,
            source: "manual",
          });
        }
        return jsonResponse(200, { items: [stored], next_cursor: null });
      },
      "/glucose/7": (init?: RequestInit) => {
        puts.push(JSON.parse(String(init?.body)) as Record<string, unknown>);
        return jsonResponse(200, stored);
      },
      "/data/sources": { sources: [] },
    }),
  );
  vi.stubGlobal("fetch", fetchMock);
  return { posts, puts };
}

describe("GlucoseView", () => {
  beforeEach(() => signInTestUser({ timezone: "UTC" }));
  afterEach(() => vi.unstubAllGlobals());

  it("resets the time to now after an add, so a second add in a row is not a duplicate", async () => {
    const { posts } = server();
    renderWithClient(<GlucoseView />);
    const value = screen.getByLabelText("Glucose (mg/dL)");
    const time = screen.getByLabelText("Time") as HTMLInputElement;
    fireEvent.change(time, { target: { value: "2026-03-01T07:00:00" } });
    fireEvent.change(value, { target: { value: "110" } });
    fireEvent.click(screen.getByRole("button", { name: "Add reading" }));
    await screen.findByText(/Saved 110 mg\/dL/);

    // Back to now (to the second), not the time of the first reading.
    expect(time.value).not.toBe("2026-03-01T07:00:00");
    expect(Math.abs(Date.parse(`${time.value}Z`) - Date.now())).toBeLessThan(5000);

    await waitFor(() => expect(screen.getByRole("button", { name: "Add reading" })).not.toBeDisabled());
    fireEvent.change(value, { target: { value: "115" } });
    fireEvent.click(screen.getByRole("button", { name: "Add reading" }));
    await waitFor(() => expect(posts).toHaveLength(2));
    expect(posts[0].timestamp).not.toBe(posts[1].timestamp);
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("says in words that a reading already exists at that time", async () => {
    server();
    renderWithClient(<GlucoseView />);
    const time = screen.getByLabelText("Time");
    for (const v of ["110", "111"]) {
      fireEvent.change(time, { target: { value: "2026-03-01T07:00:00" } });
      fireEvent.change(screen.getByLabelText("Glucose (mg/dL)"), { target: { value: v } });
      fireEvent.click(screen.getByRole("button", { name: "Add reading" }));
      await waitFor(() => expect(screen.getByRole("button", { name: "Add reading" })).not.toBeDisabled());
    }
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("There is already a reading at this time.");
    expect(alert).not.toHaveTextContent(/external_id|source/);
  });

  it("edits a reading and keeps its source", async () => {
    const { puts } = server();
    renderWithClient(<GlucoseView />);
    fireEvent.click(await screen.findByRole("button", { name: /Edit reading at/ }));
    const dialog = await screen.findByRole("dialog");
    const value = within(dialog).getByLabelText("Glucose (mg/dL)");
    expect(value).toHaveValue(142);
    fireEvent.change(value, { target: { value: "150" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]).toMatchObject({
      value: 150,
      unit: "mg/dL",
      source: "demo",
      external_id: "g-1",
      trend: "singleUp",
      kind: "cgm",
      period_min: 5,
      timestamp: "2026-03-01T08:00:00+00:00",
    });
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("marks fingersticks, scans and copies kept from another source", () => {
    renderWithClient(
      <div>
        <KindBadges reading={{ ...stored, kind: "meter" }} />
        <KindBadges reading={{ ...stored, kind: "scan" }} />
        <KindBadges reading={{ ...stored, duplicate_of: 3 }} />
        <KindBadges reading={stored} />
      </div>,
    );
    expect(screen.getAllByText("Fingerstick")).toHaveLength(1);
    expect(screen.getAllByText("Scan")).toHaveLength(1);
    expect(screen.getAllByText("Copy")).toHaveLength(1);
  });
});
