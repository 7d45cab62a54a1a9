import { describe, expect, it } from "vitest";
import { parseTrend } from "./trend";

describe("parseTrend", () => {
  it("reads the demo data's, Dexcom's and Nightscout's names", () => {
    expect(parseTrend("fortyFiveUp")).toMatchObject({ arrow: "↗", label: "Rising slowly" });
    expect(parseTrend("SingleDown")).toMatchObject({ arrow: "↓", label: "Falling" });
    expect(parseTrend("DoubleUp")?.arrow).toBe("⇈");
    expect(parseTrend("7")?.label).toBe("Falling quickly");
    expect(parseTrend("flat")?.arrow).toBe("→");
    expect(parseTrend("rising")?.arrow).toBe("↑");
  });

  it("shows nothing for a missing or not computable trend", () => {
    expect(parseTrend(null)).toBeNull();
    expect(parseTrend("NOT COMPUTABLE")).toBeNull();
    expect(parseTrend("RateOutOfRange")).toBeNull();
  });
});
