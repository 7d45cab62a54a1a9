import { describe, expect, it } from "vitest";
import { calendarWeeks, defaultEffect, formatDay, intervalPositions, verdictBadge } from "./experiments";

describe("calendarWeeks", () => {
  it("starts weeks on Monday and pads the first and last week", () => {
    // 2026-12-09 is a Wednesday: two blank cells before it.
    const days = ["2026-12-09", "2026-12-10", "2026-12-11", "2026-12-12", "2026-12-13", "2026-12-14"].map((date) => ({ date }));
    const weeks = calendarWeeks(days);
    expect(weeks).toHaveLength(2);
    expect(weeks[0].slice(0, 3)).toEqual([null, null, { date: "2026-12-09" }]);
    expect(weeks[1][0]).toEqual({ date: "2026-12-14" });
    expect(weeks[1].slice(1).every((c) => c === null)).toBe(true);
  });

  it("keeps a DST day as one calendar day", () => {
    const days = ["2026-03-28", "2026-03-29", "2026-03-30"].map((date) => ({ date }));
    expect(calendarWeeks(days).flat().filter(Boolean)).toHaveLength(3);
    expect(formatDay("2026-03-29")).toBe("Sun 29 Mar");
  });
});

describe("verdictBadge", () => {
  it("colours only a final verdict", () => {
    expect(verdictBadge({ status: "helped", final: false })).toEqual({ tone: "info", label: "Interim" });
    expect(verdictBadge({ status: "helped", final: true })).toEqual({ tone: "success", label: "Helped" });
    expect(verdictBadge({ status: "worse", final: true }).tone).toBe("danger");
    expect(verdictBadge({ status: "no_clear_effect", final: true }).label).toBe("No clear effect");
    expect(verdictBadge({ status: "not_enough_days", final: false }).label).toBe("Not enough days yet");
  });
});

describe("defaultEffect", () => {
  it("is in the user's unit, and in points for time in range", () => {
    expect(defaultEffect("window_mean", "mg/dL")).toBe(15);
    expect(defaultEffect("window_mean", "mmol/L")).toBe(0.8);
    expect(defaultEffect("day_tir", "mmol/L")).toBe(5);
  });
});

describe("intervalPositions", () => {
  it("puts zero in the middle and the interval on its side", () => {
    const p = intervalPositions(-22, -6, -14);
    expect(p.zero).toBe(50);
    expect(p.low).toBeLessThan(p.estimate);
    expect(p.estimate).toBeLessThan(p.high);
    expect(p.high).toBeLessThan(50);
  });
});
