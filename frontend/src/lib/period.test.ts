import { describe, expect, it } from "vitest";
import { canGoBack, canGoForward, defaultPeriod, periodEndMs, periodFromRange, periodLabel, shiftPeriod } from "./period";
import type { DataRange } from "./api-types";

const NOW = Date.parse("2026-03-31T12:00:00Z");
const range = (last: string | null): DataRange => ({
  timezone: "UTC",
  first_reading_at: "2026-01-01T00:00:00Z",
  last_reading_at: last,
  first_day: "2026-01-01",
  last_day: last ? last.slice(0, 10) : null,
  reading_count: last ? 1000 : 0,
});

describe("period", () => {
  it("ends today when the newest reading is recent", () => {
    expect(defaultPeriod(range("2026-03-31T11:55:00Z"), "UTC", NOW)).toEqual({
      period: { end: "2026-03-31", days: 14 },
      anchoredToData: false,
    });
  });

  it("ends on the newest reading's day when that is more than a day ago", () => {
    expect(defaultPeriod(range("2026-02-10T21:40:00Z"), "UTC", NOW)).toEqual({
      period: { end: "2026-02-10", days: 14 },
      anchoredToData: true,
    });
    // The local day, in the user's zone: 21:40 UTC is already the 11th in Tokyo.
    expect(defaultPeriod({ ...range("2026-02-10T21:40:00Z"), last_day: "2026-02-11" }, "Asia/Tokyo", NOW).period.end).toBe("2026-02-11");
  });

  it("steps by the period length and never past today", () => {
    expect(shiftPeriod({ end: "2026-03-31", days: 7 }, -1, "2026-03-31")).toEqual({ end: "2026-03-24", days: 7 });
    expect(shiftPeriod({ end: "2026-03-28", days: 7 }, 1, "2026-03-31")).toEqual({ end: "2026-03-31", days: 7 });
    expect(canGoForward({ end: "2026-03-31", days: 7 }, "2026-03-31")).toBe(false);
    expect(canGoBack({ end: "2026-01-07", days: 7 }, "2026-01-01")).toBe(false);
    expect(canGoBack({ end: "2026-01-08", days: 7 }, "2026-01-01")).toBe(true);
  });

  it("checks a custom range", () => {
    expect(periodFromRange("2026-03-02", "2026-03-11", "2026-03-31")).toEqual({ end: "2026-03-11", days: 10 });
    expect(periodFromRange("2026-03-11", "2026-03-02", "2026-03-31")).toMatch(/start date must be on or before/);
    expect(periodFromRange("2026-03-02", "2026-04-02", "2026-03-31")).toMatch(/future/);
    expect(periodFromRange("2025-01-01", "2026-03-01", "2026-03-31")).toMatch(/at most 90 days/);
    expect(periodFromRange("", "2026-03-01", "2026-03-31")).toMatch(/Choose/);
  });

  it("ends a past period at the next local midnight, and today's at now", () => {
    expect(new Date(periodEndMs({ end: "2026-03-10", days: 7 }, "Europe/Berlin", NOW)).toISOString()).toBe("2026-03-10T23:00:00.000Z");
    expect(periodEndMs({ end: "2026-03-31", days: 7 }, "UTC", NOW)).toBe(NOW);
    expect(periodLabel({ end: "2026-03-10", days: 7 })).toBe("7 days: 4 Mar 2026 – 10 Mar 2026");
  });
});
