import { describe, expect, it } from "vitest";
import type { Motif } from "./insight-payloads";
import { motifWhy } from "./motifs";

// Shaped as GET /insights/recurring-patterns returns a motif (analytics/motifs.py Motif.to_dict).
const low: Motif = {
  id: "180-1",
  window_minutes: 180,
  label: "Recurring overnight low (around 03:00)",
  typical_hour: 3,
  mean_shape: [110, 80, 58, 90],
  occurrences: [{ start: "2024-03-02T07:30:00Z" }],
  kind: "low",
  days: 8,
  event_days: 7,
  history_days: 90,
  extreme_mgdl: 58,
  rise_mgdl: null,
};

describe("motifWhy", () => {
  it("counts nights for an overnight low and gives its lowest reading in mg/dL", () => {
    expect(motifWhy(low, "mg/dL")).toBe("7 nights in 90 days, lowest 58 mg/dL");
  });

  it("gives the same low in mmol/L", () => {
    expect(motifWhy(low, "mmol/L")).toBe("7 nights in 90 days, lowest 3.2 mmol/L");
  });

  it("counts days for a spike after breakfast, with its rise and peak", () => {
    const spike: Motif = {
      ...low,
      label: "Spike after breakfast (around 08:45)",
      typical_hour: 8.75,
      kind: "spike",
      event_days: 12,
      extreme_mgdl: 245,
      rise_mgdl: 110,
    };
    expect(motifWhy(spike, "mg/dL")).toBe("12 days in 90 days, rising 110 mg/dL to a high of 245 mg/dL");
    expect(motifWhy(spike, "mmol/L")).toBe("12 days in 90 days, rising 6.1 mmol/L to a high of 13.6 mmol/L");
  });

  it("says nothing for a motif stored before the counts existed", () => {
    const old: Motif = { ...low, kind: undefined, event_days: undefined, history_days: undefined };
    expect(motifWhy(old, "mg/dL")).toBeNull();
  });
});
