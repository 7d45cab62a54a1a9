import { describe, expect, it } from "vitest";
import { formatGlucose, mgdlToUnit, unitToMgdl } from "./units";

describe("glucose units", () => {
  it("shows mmol/L with one decimal and mg/dL as integers", () => {
    expect(formatGlucose(5.55, "mmol/L")).toBe("5.5");
    expect(formatGlucose(5.56, "mmol/L")).toBe("5.6");
    expect(formatGlucose(123.6, "mg/dL")).toBe("124");
    expect(formatGlucose(100, "mg/dL", true)).toBe("100 mg/dL");
  });

  it("shows a dash for missing values", () => {
    expect(formatGlucose(null, "mg/dL")).toBe("—");
    expect(formatGlucose(Number.NaN, "mmol/L")).toBe("—");
  });

  it("converts with 18.0182", () => {
    expect(mgdlToUnit(180, "mmol/L")).toBeCloseTo(9.99, 2);
    expect(unitToMgdl(3.9, "mmol/L")).toBeCloseTo(70.27, 2);
    expect(mgdlToUnit(180, "mg/dL")).toBe(180);
  });
});
