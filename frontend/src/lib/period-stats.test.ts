import { describe, expect, it } from "vitest";
import { summaryCovers, windowFromDays } from "./period-stats";
import type { Schemas } from "./api-types";

type DayStats = Schemas["Day"];

function day(date: string, n: number, mean: number, sd: number, inRange: number, wear: number): DayStats {
  return {
    date,
    mean,
    sd,
    cv_pct: null,
    min: null,
    max: null,
    reading_count: n,
    wear_pct: wear,
    in_range_pct: inRange,
    below_pct: 0,
    above_pct: 100 - inRange,
    bands: { very_low_pct: 0, low_pct: 0, in_range_pct: inRange, high_pct: 100 - inRange, very_high_pct: 0 },
  };
}

describe("windowFromDays", () => {
  it("combines days exactly for counts, means and band shares and pools the SD", () => {
    // Day A: 10 readings, mean 100, SD 10; day B: 30 readings, mean 140, SD 20.
    const w = windowFromDays(
      {
        unit: "mg/dL",
        timezone: "UTC",
        target_low: 70,
        target_high: 180,
        days: [day("2026-03-01", 10, 100, 10, 90, 50), day("2026-03-02", 30, 140, 20, 70, 75)],
      },
      3,
      "2026-03-01T00:00:00Z",
      "2026-03-04T00:00:00Z",
    ).windows[0];
    expect(w.reading_count).toBe(40);
    expect(w.mean).toBeCloseTo(130, 6);
    // Pooled: (9·100 + 29·400 + 10·100² + 30·140² − 40·130²) / 39.
    expect(w.sd).toBeCloseTo(Math.sqrt((900 + 11600 + 100000 + 588000 - 676000) / 39), 6);
    expect(w.bands.in_range_pct).toBeCloseTo(75, 6);
    expect(w.gmi_pct).toBeCloseTo(3.31 + 0.02392 * 130, 6);
    // Expected readings: 20 + 40 from the two days' wear, 288 for the day without data.
    expect(w.expected_count).toBe(348);
    expect(w.days_with_data).toBe(2);
    expect(w.sufficient_data).toBe(false);
  });

  it("uses the summary endpoint only for the lengths it answers", () => {
    expect([1, 7, 10, 14, 30, 90].map(summaryCovers)).toEqual([false, true, false, true, true, true]);
  });
});
