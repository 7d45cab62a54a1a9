/** Words and numbers for per-meal glucose responses (docs/meal-responses.md). */
import type { Schemas } from "./api-types";
import { formatDuration } from "./time";
import { formatGlucose, type Unit } from "./units";

type Response = Schemas["MealResponseOut"];
type Comparison = Schemas["ComparisonOut"];
type Thresholds = Schemas["Thresholds"];
export type Reason = Response["reasons"][number];

const REASONS: Record<Reason, string> = {
  no_trace: "no glucose readings after the meal",
  no_baseline: "no glucose readings in the 30 minutes before the meal",
  gappy: "gaps in the sensor readings",
  meal_before: "another meal in the 2 hours before",
  meal_after: "another meal in the 2 hours after",
  trace_ends: "the readings stop less than 2 hours after the meal",
};

export function reasonLabel(reason: Reason): string {
  return REASONS[reason] ?? reason;
}

/** "Low confidence: gaps in the sensor readings; another meal in the 2 hours after." */
export function confidenceText(r: Pick<Response, "confidence" | "reasons">): string {
  if (r.confidence === "high") return "High confidence: a full trace, a baseline and no other meal within 2 hours.";
  return `Low confidence: ${r.reasons.map(reasonLabel).join("; ")}.`;
}

/** "+56 mg/dL", "−0.3 mmol/L" (a fall is shown as one). */
export function formatRise(value: number | null | undefined, unit: Unit, withUnit = true): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const sign = value > 0 ? "+" : value < 0 ? "−" : "±";
  return `${sign}${formatGlucose(Math.abs(value), unit, withUnit)}`;
}

/** The 2-hour incremental area, in the unit times minutes: "3,150 mg/dL·min". */
export function formatIauc(value: number | null | undefined, unit: Unit, withUnit = true): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  const text = unit === "mmol/L" ? value.toLocaleString("en", { maximumFractionDigits: 0 }) : Math.round(value).toLocaleString("en");
  return withUnit ? `${text} ${unit}·min` : text;
}

export function formatMinutes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  return formatDuration(Math.round(value));
}

/** When glucose was back at its baseline; "not within 3 h" only when the trace ran that long. */
export function backToBaseline(r: Pick<Response, "back_to_baseline_min" | "peak_rise" | "reasons">): string {
  if (r.peak_rise === null) return "—";
  if (r.back_to_baseline_min !== null) return formatMinutes(r.back_to_baseline_min);
  return r.reasons.includes("trace_ends") ? "unknown (readings stop)" : "not within 3 h";
}

export function foodLabel(food: string): string {
  return food.charAt(0).toUpperCase() + food.slice(1);
}

const DIMENSIONS: Record<Comparison["dimension"], string> = {
  time_of_day: "Time of day",
  sleep: "Sleep the night before",
  activity: "Activity before the meal",
};

export function dimensionLabel(d: Comparison["dimension"]): string {
  return DIMENSIONS[d];
}

/** One sentence on what a comparison shows, never more than the data supports. */
export function comparisonVerdict(c: Comparison, t: Thresholds, unit: Unit): string {
  if (c.status === "no_data") {
    if (c.dimension === "activity") return "No activities logged in this period, so there is nothing to compare.";
    if (c.dimension === "sleep") return "No sleep logged before these meals, so there is nothing to compare.";
    return "No meals with a clear response in this period.";
  }
  if (c.status === "too_few") {
    const counts = c.groups.map((g) => `${g.label.toLowerCase()}: ${g.n}`).join(", ");
    return `Too few meals to compare: each side needs at least ${t.min_group} high-confidence meals (${counts}).`;
  }
  const p = c.p_value === null ? "" : ` (p = ${c.p_value < 0.001 ? "< 0.001" : c.p_value.toFixed(3)})`;
  if (!c.higher) return `No clear difference${p}. That is not proof there is none; more meals would tell.`;
  const hi = c.groups.find((g) => g.key === c.higher);
  const others = c.groups.filter((g) => g.key !== c.higher && g.n >= t.min_group);
  if (!hi) return `A difference${p}.`;
  const vs = others.map((g) => `${formatIauc(g.median_iauc, unit, false)} ${g.label.toLowerCase()}`).join(" and ");
  return `${hi.label}: larger rises, median iAUC ${formatIauc(hi.median_iauc, unit)} against ${vs}${p}. An association in your data, not proof of cause.`;
}
