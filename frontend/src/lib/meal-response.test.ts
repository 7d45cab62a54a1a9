import { describe, expect, it } from "vitest";
import { backToBaseline, comparisonVerdict, confidenceText, formatIauc, formatRise } from "./meal-response";

const thresholds = { min_group: 5, min_food_meals: 2, short_sleep_h: 6, active_before_h: 3, min_coverage_pct: 70 };

describe("meal response words", () => {
  it("signs rises and falls and keeps each unit's precision", () => {
    expect(formatRise(56.1, "mg/dL")).toBe("+56 mg/dL");
    expect(formatRise(-0.34, "mmol/L")).toBe("−0.3 mmol/L");
    expect(formatRise(null, "mg/dL")).toBe("—");
    expect(formatIauc(3150, "mg/dL")).toBe("3,150 mg/dL·min");
    expect(formatIauc(174.8, "mmol/L", false)).toBe("175");
  });

  it("says 'not within 3 h' only when the readings ran that long", () => {
    expect(backToBaseline({ back_to_baseline_min: 108, peak_rise: 60, reasons: [] })).toBe("1 h 48 min");
    expect(backToBaseline({ back_to_baseline_min: null, peak_rise: 60, reasons: [] })).toBe("not within 3 h");
    expect(backToBaseline({ back_to_baseline_min: null, peak_rise: 60, reasons: ["trace_ends"] })).toBe("unknown (readings stop)");
  });

  it("names every reason for low confidence in words", () => {
    expect(confidenceText({ confidence: "low", reasons: ["gappy", "meal_after"] })).toBe(
      "Low confidence: gaps in the sensor readings; another meal in the 2 hours after.",
    );
  });

  it("gives no verdict when a comparison has too few meals", () => {
    const c = {
      dimension: "sleep" as const,
      status: "too_few" as const,
      groups: [
        { key: "short", label: "After under 6 h of sleep", n: 2, median_iauc: 4000, median_peak_rise: 70 },
        { key: "enough", label: "After 6 h or more", n: 9, median_iauc: 2000, median_peak_rise: 40 },
      ],
      p_value: null,
      higher: null,
    };
    const text = comparisonVerdict(c, thresholds, "mg/dL");
    expect(text).toMatch(/^Too few meals to compare: each side needs at least 5/);
    expect(text).not.toMatch(/larger/);
  });

  it("calls a difference an association, and a non-difference not proof of none", () => {
    const groups = [
      { key: "short", label: "After under 6 h of sleep", n: 6, median_iauc: 4000, median_peak_rise: 70 },
      { key: "enough", label: "After 6 h or more", n: 9, median_iauc: 2000, median_peak_rise: 40 },
    ];
    const base = { dimension: "sleep" as const, status: "ok" as const, groups };
    expect(comparisonVerdict({ ...base, p_value: 0.01, higher: "short" }, thresholds, "mg/dL")).toMatch(
      /^After under 6 h of sleep: larger rises, median iAUC 4,000 mg\/dL·min against 2,000 after 6 h or more \(p = 0.010\)\. An association/,
    );
    expect(comparisonVerdict({ ...base, p_value: 0.4, higher: null }, thresholds, "mg/dL")).toMatch(
      /^No clear difference \(p = 0.400\)\. That is not proof/,
    );
  });
});
