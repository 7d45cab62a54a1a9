import type { PredictionsData } from "@/lib/insight-payloads";
import type { Unit } from "@/lib/units";
import { mgdlToUnit, unitToMgdl } from "@/lib/units";

export interface ForecastRow {
  t: number;
  actual?: number;
  forecast?: number;
  band80?: [number, number];
  band95?: [number, number];
}

/** Merge recent readings and forecast horizons into one time-sorted table for a composed chart. */
export function buildForecastRows(recent: { t: string; v: number }[], pred: PredictionsData): ForecastRow[] {
  const last = Date.parse(pred.last_reading_at);
  const rows: ForecastRow[] = recent.map((p) => ({ t: Date.parse(p.t), actual: p.v })).filter((r) => r.t <= last);
  // Anchor the forecast at the last reading so the bands open from a point.
  rows.push({
    t: last,
    actual: pred.last_value,
    forecast: pred.last_value,
    band80: [pred.last_value, pred.last_value],
    band95: [pred.last_value, pred.last_value],
  });
  for (const h of [...pred.horizons].sort((a, b) => a.minutes - b.minutes)) {
    rows.push({ t: last + h.minutes * 60000, forecast: h.value, band80: [h.lo80, h.hi80], band95: [h.lo95, h.hi95] });
  }
  rows.sort((a, b) => a.t - b.t);
  // Merge rows that share a timestamp (the anchor and a reading at the same instant).
  const merged: ForecastRow[] = [];
  for (const r of rows) {
    const prev = merged[merged.length - 1];
    if (prev && prev.t === r.t) Object.assign(prev, r);
    else merged.push({ ...r });
  }
  return merged;
}

/**
 * The predictions envelope names no unit; like the other insights it is computed from mg/dL.
 * Convert into the user's unit unless the backend says which unit it used.
 */
export function toUserUnit(pred: PredictionsData, userUnit: Unit): PredictionsData {
  const from: Unit = pred.unit ?? "mg/dL";
  if (from === userUnit) return pred;
  const c = (v: number) => mgdlToUnit(unitToMgdl(v, from), userUnit);
  return {
    ...pred,
    unit: userUnit,
    last_value: c(pred.last_value),
    horizons: pred.horizons.map((h) => ({ ...h, value: c(h.value), lo80: c(h.lo80), hi80: c(h.hi80), lo95: c(h.lo95), hi95: c(h.hi95) })),
  };
}
