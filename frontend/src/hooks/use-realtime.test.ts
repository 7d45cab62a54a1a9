import { QueryClient } from "@tanstack/react-query";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertOut } from "@/lib/api-types";
import type { Envelope } from "@/lib/realtime";
import { useRealtimeStore } from "@/lib/realtime-store";
import { makeDispatcher } from "./use-realtime";

function alert(over: Partial<AlertOut> = {}): AlertOut {
  return {
    id: "a1",
    kind: "low",
    severity: "warning",
    status: "open",
    opened_at: "2026-12-07T10:00:00Z",
    resolved_at: null,
    resolved_reason: null,
    unit: "mmol/L",
    value: 3.7,
    value_mgdl: 67,
    last_value: 3.7,
    last_value_mgdl: 67,
    trigger_reading_at: "2026-12-07T10:00:00Z",
    last_reading_at: "2026-12-07T10:00:00Z",
    acknowledged_at: null,
    read_at: null,
    escalated_at: null,
    last_notified_at: "2026-12-07T10:00:00Z",
    notify_count: 1,
    title: "Low: 3.7 mmol/L",
    message: "Your glucose is 3.7 mmol/L.",
    details: {},
    ...over,
  };
}

const msg = (seq: number, type: string, data: object): Envelope => ({
  seq,
  type,
  at: "2026-12-07T10:00:00Z",
  data: data as Record<string, unknown>,
});
const reading = (seq: number, ts: string, value_mgdl: number) =>
  msg(seq, "reading", { ts, value_mgdl, value: value_mgdl, unit: "mg/dL", trend: "Flat", delta: 0, delta_mgdl: 0, source: "api" });

function setup() {
  const client = new QueryClient();
  const invalidated: string[] = [];
  vi.spyOn(client, "invalidateQueries").mockImplementation(async (filters) => {
    invalidated.push(String((filters as { queryKey: unknown[] }).queryKey[0]));
  });
  return { client, invalidated, d: makeDispatcher(client, 30_000) };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-12-07T10:00:00Z"));
  useRealtimeStore.getState().reset();
});
afterEach(() => vi.useRealTimers());

describe("makeDispatcher", () => {
  it("puts a reading on the tile at once and refetches the readings", () => {
    const { d, invalidated } = setup();
    d.handle(reading(1, "2026-12-07T10:00:00Z", 123));
    expect(useRealtimeStore.getState().lastReading?.value_mgdl).toBe(123);
    expect(invalidated).toContain("glucose");
  });

  it("refreshes the dashboard for the first reading, then at most every 30 s during a burst", () => {
    const { d, invalidated } = setup();
    for (let i = 1; i <= 5; i++) d.handle(reading(i, `2026-12-07T10:0${i}:00Z`, 100 + i));
    expect(invalidated.filter((k) => k === "dashboard")).toHaveLength(1);
    vi.advanceTimersByTime(30_000);
    expect(invalidated.filter((k) => k === "dashboard")).toHaveLength(2);
  });

  it("keeps the newer reading when an older one arrives late (a replay)", () => {
    const { d } = setup();
    d.handle(reading(2, "2026-12-07T10:05:00Z", 140));
    d.handle(reading(1, "2026-12-07T10:00:00Z", 120));
    expect(useRealtimeStore.getState().lastReading?.value_mgdl).toBe(140);
  });

  it("shows a toast for a raised alert and refetches the alert queries (bell, history)", () => {
    const { d, invalidated } = setup();
    d.handle(msg(1, "alert.raised", alert()));
    expect(useRealtimeStore.getState().toasts.map((t) => t.alert.id)).toEqual(["a1"]);
    expect(invalidated).toContain("alerts");
  });

  it("shows a repeat again but not a 'continued' update with the same notify count", () => {
    const { d } = setup();
    d.handle(msg(1, "alert.raised", alert()));
    useRealtimeStore.getState().dismissToast("a1");
    d.handle(msg(2, "alert.updated", alert({ last_value: 3.6 })));
    expect(useRealtimeStore.getState().toasts).toHaveLength(0);
    d.handle(msg(3, "alert.updated", alert({ notify_count: 2 })));
    expect(useRealtimeStore.getState().toasts).toHaveLength(1);
  });

  it("removes the toast once the alert is acknowledged or resolved (in any tab)", () => {
    const { d } = setup();
    d.handle(msg(1, "alert.raised", alert()));
    d.handle(msg(2, "alert.acknowledged", alert({ acknowledged_at: "2026-12-07T10:01:00Z" })));
    expect(useRealtimeStore.getState().toasts).toHaveLength(0);
  });

  it("keeps pattern items quiet (the bell counts them) but toasts a test notification", () => {
    const { d, invalidated } = setup();
    d.handle(msg(1, "alert.raised", alert({ id: "p", kind: "pattern", severity: "info" })));
    expect(useRealtimeStore.getState().toasts).toHaveLength(0);
    expect(invalidated).toContain("alerts");
    d.handle(msg(2, "alert.raised", alert({ id: "t", kind: "test", severity: "info" })));
    expect(useRealtimeStore.getState().toasts.map((t) => t.alert.id)).toEqual(["t"]);
  });

  it("toasts a test notification (sent as alert.updated, resolved at once) but not a suppressed alert", () => {
    const { d } = setup();
    d.handle(msg(1, "alert.updated", alert({ id: "t", kind: "test", severity: "info", status: "resolved", notify_count: 1 })));
    expect(useRealtimeStore.getState().toasts.map((t) => t.alert.id)).toEqual(["t"]);
    d.handle(msg(2, "alert.updated", alert({ id: "s", notify_count: 0, details: { last_suppressed: "snoozed" } })));
    expect(useRealtimeStore.getState().toasts.map((t) => t.alert.id)).toEqual(["t"]);
  });

  it("refetches the alert queries when another tab marks alerts read", () => {
    const { d, invalidated } = setup();
    d.handle(msg(1, "alert.read", { ids: ["a1"], all: false, unread: 0 }));
    expect(invalidated).toEqual(["alerts"]);
    expect(useRealtimeStore.getState().toasts).toEqual([]);
  });

  it("refetches readings, dashboard and alerts after a gap", () => {
    const { d, invalidated } = setup();
    d.onGap();
    expect(invalidated.sort()).toEqual(["alerts", "dashboard", "glucose"]);
  });
});
