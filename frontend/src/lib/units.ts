import type { Schemas } from "./api-types";

/** The two glucose units the API takes (ProfileIn.unit); its answers name the unit as a string. */
export type Unit = NonNullable<Schemas["ProfileIn"]["unit"]>;

/** A unit named by an API answer (`unit: string` in the schema), as one of the two we format. */
export function asUnit(unit: string): Unit {
  return unit === "mmol/L" ? "mmol/L" : "mg/dL";
}

export const MGDL_PER_MMOL = 18.0182;

export function mgdlToUnit(mgdl: number, unit: Unit): number {
  return unit === "mmol/L" ? mgdl / MGDL_PER_MMOL : mgdl;
}

export function unitToMgdl(value: number, unit: Unit): number {
  return unit === "mmol/L" ? value * MGDL_PER_MMOL : value;
}

/** Round for display: mmol/L with one decimal, mg/dL as an integer. */
export function roundGlucose(value: number, unit: Unit): number {
  return unit === "mmol/L" ? Math.round(value * 10) / 10 : Math.round(value);
}

export function formatGlucose(value: number | null | undefined, unit: Unit, withUnit = false): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const text = unit === "mmol/L" ? value.toFixed(1) : String(Math.round(value));
  return withUnit ? `${text} ${unit}` : text;
}

export function formatPct(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return `${value.toFixed(digits)}%`;
}

/** Input step and bounds for a glucose field in the user's unit. */
export function glucoseInputProps(unit: Unit): { step: string; min: number; max: number } {
  return unit === "mmol/L" ? { step: "0.1", min: 1.1, max: 33.3 } : { step: "1", min: 20, max: 600 };
}

/** International consensus (2019) time-in-range bands, lowest first. */
export const TIR_BANDS = [
  { key: "very_low_pct", label: "Very low", range: "<54 mg/dL", color: "var(--color-tir-very-low)" },
  { key: "low_pct", label: "Low", range: "54–69 mg/dL", color: "var(--color-tir-low)" },
  { key: "in_range_pct", label: "In range", range: "70–180 mg/dL", color: "var(--color-tir-in-range)" },
  { key: "high_pct", label: "High", range: "181–250 mg/dL", color: "var(--color-tir-high)" },
  { key: "very_high_pct", label: "Very high", range: ">250 mg/dL", color: "var(--color-tir-very-high)" },
] as const;

export function bandRangeLabel(key: (typeof TIR_BANDS)[number]["key"], unit: Unit): string {
  if (unit === "mg/dL") return TIR_BANDS.find((b) => b.key === key)!.range;
  const mmol: Record<string, string> = {
    very_low_pct: "<3.0 mmol/L",
    low_pct: "3.0–3.8 mmol/L",
    in_range_pct: "3.9–10.0 mmol/L",
    high_pct: "10.1–13.9 mmol/L",
    very_high_pct: ">13.9 mmol/L",
  };
  return mmol[key];
}

/** The consensus band a value (mg/dL) falls in. */
export function bandOf(mgdl: number): (typeof TIR_BANDS)[number] {
  if (mgdl < 54) return TIR_BANDS[0];
  if (mgdl < 70) return TIR_BANDS[1];
  if (mgdl <= 180) return TIR_BANDS[2];
  if (mgdl <= 250) return TIR_BANDS[3];
  return TIR_BANDS[4];
}

/** A signed change for display: "+6", "−0.3", or "±0". */
export function formatGlucoseChange(delta: number, unit: Unit): string {
  const rounded = roundGlucose(delta, unit);
  if (rounded === 0) return "±0";
  const text = formatGlucose(Math.abs(rounded), unit);
  return `${rounded > 0 ? "+" : "−"}${text}`;
}
