import type { Motif } from "./insight-payloads";
import type { Unit } from "./units";
import { formatGlucose, mgdlToUnit } from "./units";

/** Days a recurring event is counted on: nights for overnight lows and highs, days otherwise. */
function dayWord(motif: Motif, n: number): string {
  const night = motif.typical_hour !== null && (motif.typical_hour >= 22 || motif.typical_hour < 6.5);
  const word = night && (motif.kind === "low" || motif.kind === "high") ? "night" : "day";
  return n === 1 ? word : `${word}s`;
}

/**
 * One line saying why a motif is listed, in the user's unit: "7 nights in 90 days, lowest 58 mg/dL",
 * "12 days in 90 days, rising 110 mg/dL to a high of 245 mg/dL". Null for motifs computed before the
 * API sent the counts (then the card shows only the occurrences).
 */
export function motifWhy(motif: Motif, unit: Unit): string | null {
  const days = motif.event_days ?? 0;
  const history = motif.history_days ?? 0;
  if (!motif.kind || days === 0 || history === 0) return null;
  const when = `${days} ${dayWord(motif, days)} in ${history} days`;
  const value = (mgdl: number | null | undefined) =>
    mgdl === null || mgdl === undefined ? null : formatGlucose(mgdlToUnit(mgdl, unit), unit, true);
  const extreme = value(motif.extreme_mgdl);
  if (motif.kind === "low") return extreme ? `${when}, lowest ${extreme}` : when;
  if (motif.kind === "spike") {
    // A rise is a difference: converted without an offset, like any glucose value.
    const rise = value(motif.rise_mgdl);
    const parts = [rise ? `rising ${rise}` : null, extreme ? `to a high of ${extreme}` : null].filter(Boolean);
    return parts.length ? `${when}, ${parts.join(" ")}` : when;
  }
  if (motif.kind === "high") return extreme ? `${when}, highest ${extreme}` : when;
  return when;
}
