import type { Unit } from "./units";

/**
 * Names people read for the insight variables (daily features and glucose outcomes), with units.
 * The backend names them in code ("tir_pct", "sleep_duration_h"); "Tir pct" is not a label.
 * Glucose outcomes are computed in mg/dL; correlations do not depend on the unit, so the label
 * names the user's unit.
 */
const VARIABLES: Record<string, { label: string; unit: string | "glucose" }> = {
  sleep_duration_h: { label: "Sleep", unit: "h" },
  sleep_efficiency_pct: { label: "Sleep efficiency", unit: "%" },
  deep_sleep_min: { label: "Deep sleep", unit: "min" },
  bedtime_h: { label: "Bedtime", unit: "h after 18:00" },
  total_carbs_g: { label: "Carbs per day", unit: "g" },
  evening_carbs_g: { label: "Evening carbs", unit: "g" },
  meal_count: { label: "Meals per day", unit: "" },
  active_min: { label: "Active time", unit: "min" },
  steps: { label: "Steps", unit: "" },
  insulin_total_u: { label: "Insulin per day", unit: "U" },
  carbs_g: { label: "Carbs", unit: "g" },
  insulin_u: { label: "Insulin", unit: "U" },
  mean_glucose: { label: "Mean glucose", unit: "glucose" },
  tir_pct: { label: "Time in range", unit: "%" },
  cv_pct: { label: "Glucose CV", unit: "%" },
  fasting_glucose: { label: "Fasting glucose", unit: "glucose" },
  post_meal_peak: { label: "Post-meal peak", unit: "glucose" },
  glucose_mgdl: { label: "Glucose", unit: "glucose" },
};

function fallback(id: string): string {
  const words = id
    .replace(/_(pct|h|min|g|u|mgdl)$/i, "")
    .replace(/[_-]+/g, " ")
    .trim();
  return words ? words[0].toUpperCase() + words.slice(1) : id;
}

/** "Time in range (%)", "Sleep (h)", "Mean glucose (mmol/L)", "Steps". */
export function variableLabel(id: string, unit: Unit = "mg/dL"): string {
  const v = VARIABLES[id];
  if (!v) return fallback(id);
  const u = v.unit === "glucose" ? unit : v.unit;
  return u ? `${v.label} (${u})` : v.label;
}

/** The name without its unit, for sentences ("Sleep → Time in range"). */
export function variableName(id: string): string {
  return VARIABLES[id]?.label ?? fallback(id);
}

export function isKnownVariable(id: string): boolean {
  return id in VARIABLES;
}
