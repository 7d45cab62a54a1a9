// Shapes: the `tier_error_rates` object that backend analytics/causal.py CausalGraph.to_dict()
// adds to a daily graph (figures from bench/causal_tiers.py); the numbers here are examples.
import { describe, expect, it } from "vitest";
import { howOften, tentativeNote, type TierErrorRates } from "./tier-note";

const rates: TierErrorRates = {
  measured_days: 180,
  established: { wrong: 0.05, links: 400, false_links: 20 },
  tentative: { wrong: 0.58, links: 50, false_links: 29 },
  source: "bench/causal_tiers.py",
};

describe("tier note", () => {
  it("states the measured rates with their counts", () => {
    const note = tentativeNote(rates);
    expect(note).toContain("wrong about 6 times in 10 (29 of 50)");
    expect(note).toContain("about 1 time in 20 for established links (20 of 400)");
    expect(note).toContain("180 days");
  });

  it("claims no rate when the result carries none", () => {
    const note = tentativeNote(undefined);
    expect(note).not.toMatch(/\d+ in \d+/);
    expect(note).toContain("wrong much more often than established ones");
  });

  it("says never only when no link of the tier was false", () => {
    expect(howOften({ wrong: 0, links: 12, false_links: 0 })).toBe("never (0 of 12 links)");
    expect(howOften({ wrong: 0.1, links: 10, false_links: 1 })).toBe("about 1 time in 10");
    expect(howOften({ wrong: 0.33, links: 30, false_links: 10 })).toBe("about 3 times in 10");
  });
});
