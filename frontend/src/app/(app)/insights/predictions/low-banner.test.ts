import { describe, expect, it } from "vitest";
import type { PredictionsData } from "@/lib/insight-payloads";
import { formatChance, lowBanner } from "./low-banner";

const base = { last_reading_at: "2026-03-31T12:00:00Z", last_value: 112, unit: "mg/dL" as const, horizons: [] };

function pred(values: number[], lo80: number[], extra: Partial<PredictionsData> = {}): PredictionsData {
  const path = values.map((v, i) => ({ minutes: 5 * (i + 1), value: v, lo80: lo80[i], hi80: v + 10 }));
  const horizons = path.filter((p) => p.minutes === 30 || p.minutes === 60).map((p) => ({ ...p, lo95: p.lo80 - 5, hi95: p.hi80 + 5 }));
  return { ...base, horizons, path, time_to_low_min: null, ...extra };
}

// The case: the point forecast stays above 70, the 80% band reaches 43 mg/dL.
const interval = pred([110, 105, 100, 96, 92, 89, 86, 84, 82, 81, 80, 80], [100, 90, 82, 75, 69, 63, 58, 54, 50, 47, 45, 43], {
  low_risk: { threshold_mgdl: 70, expected_at_min: null, possible_at_min: 24.2, probability: 0.27, probability_at_min: 60 },
});

describe("lowBanner", () => {
  it("does not give an all-clear when the 80% band reaches a low", () => {
    const b = lowBanner(interval, "mg/dL", "UTC");
    expect(b.tone).toBe("possible");
    expect(b.title).toBe("A low is possible within 25 min");
    expect(b.body).toContain("from about 12:24");
    expect(b.body).toContain("down to 43 mg/dL");
    expect(b.body).toContain("The chance of being under 70 mg/dL at 13:00 is about 27%.");
    expect(`${b.title} ${b.body}`).not.toMatch(/No low expected/);
  });

  it("says a low is expected, with the time and the chance, when the point forecast crosses", () => {
    const p = pred([100, 92, 84, 77, 71, 66, 62, 60, 58, 57, 56, 56], [88, 80, 72, 65, 59, 54, 50, 48, 46, 45, 44, 44], {
      time_to_low_min: 26,
      low_risk: { threshold_mgdl: 70, expected_at_min: 26, possible_at_min: 12.5, probability: 0.71, probability_at_min: 55 },
    });
    const b = lowBanner(p, "mg/dL", "UTC");
    expect(b.tone).toBe("expected");
    expect(b.title).toBe("Low expected in about 26 min");
    expect(b.body).toContain("falls under 70 mg/dL around 12:26");
    expect(b.body).toContain("at 12:55 is about 71%");
  });

  it("gives the all-clear only when even the lower bound stays above, in the user's unit", () => {
    const p = pred(Array(12).fill(140), Array(12).fill(125), {
      low_risk: { threshold_mgdl: 70, expected_at_min: null, possible_at_min: null, probability: 0.0004, probability_at_min: 60 },
    });
    const b = lowBanner(p, "mmol/L", "UTC");
    expect(b.tone).toBe("clear");
    expect(b.body).toContain("stays above 3.9 mmol/L (lowest 6.9 mmol/L)");
    expect(b.body).toContain("under 1%");
  });

  it("reads the interval from the path when a stored result has no low_risk", () => {
    const b = lowBanner({ ...interval, low_risk: undefined }, "mg/dL", "UTC");
    expect(b.tone).toBe("possible");
    expect(b.body).not.toContain("chance");
  });

  it("formats chances", () => {
    expect([0.004, 0.27, 0.995].map(formatChance)).toEqual(["under 1%", "about 27%", "over 99%"]);
  });
});
