import { formatTime } from "@/lib/time";
import type { ForecastPathPoint, LowRisk, PredictionsData } from "@/lib/insight-payloads";
import type { Unit } from "@/lib/units";
import { formatGlucose, mgdlToUnit } from "@/lib/units";

export interface LowBanner {
  tone: "expected" | "possible" | "clear";
  title: string;
  body: string;
}

const LOW_MGDL = 70;

/** "about 24%", "under 1%", "over 99%". */
export function formatChance(p: number): string {
  if (p < 0.01) return "under 1%";
  if (p > 0.99) return "over 99%";
  return `about ${Math.round(p * 100)}%`;
}

function firstCross(start: number, points: [number, number][], threshold: number): number | null {
  if (start < threshold) return 0;
  let [pm, pv] = [0, start];
  for (const [m, v] of points) {
    if (v <= threshold) return pm + ((pv - threshold) / (pv - v || 1)) * (m - pm);
    [pm, pv] = [m, v];
  }
  return null;
}

/** Results stored before the backend sent `low_risk`: crossings from the path, no probability. */
function riskFromPath(pred: PredictionsData, path: ForecastPathPoint[]): LowRisk {
  const steps = [...path].sort((a, b) => a.minutes - b.minutes);
  return {
    threshold_mgdl: LOW_MGDL,
    expected_at_min:
      pred.time_to_low_min ??
      firstCross(
        pred.last_value,
        steps.map((p) => [p.minutes, p.value]),
        LOW_MGDL,
      ),
    possible_at_min: firstCross(
      pred.last_value,
      steps.map((p) => [p.minutes, p.lo80]),
      LOW_MGDL,
    ),
    probability: Number.NaN,
    probability_at_min: null,
  };
}

/**
 * The predictions banner, worded from the 80% interval and not only the point forecast: a low is
 * "expected" when the point forecast reaches 70 mg/dL and "possible" when the lower 80% bound
 * does. `pred` is in mg/dL (as the API sends it); values are shown in `unit`.
 */
export function lowBanner(pred: PredictionsData, unit: Unit, zone: string): LowBanner {
  const path = pred.path?.length ? pred.path : pred.horizons;
  const risk = pred.low_risk ?? riskFromPath(pred, path);
  const threshold = `${formatGlucose(mgdlToUnit(risk.threshold_mgdl, unit), unit)} ${unit}`;
  const last = Date.parse(pred.last_reading_at);
  const at = (min: number) => formatTime(last + min * 60000, zone);
  const chance =
    Number.isFinite(risk.probability) && risk.probability_at_min !== null
      ? ` The chance of being under ${threshold} at ${at(risk.probability_at_min)} is ${formatChance(risk.probability)}.`
      : "";
  const lowest = Math.min(...path.map((p) => p.lo80));
  const fromMgdl = (v: number) => formatGlucose(mgdlToUnit(v, unit), unit);

  if (risk.expected_at_min !== null) {
    const min = Math.round(risk.expected_at_min);
    const care = " Check with your meter and follow your care plan.";
    if (min === 0)
      return { tone: "expected", title: `Glucose is under ${threshold} now`, body: `The latest reading is under ${threshold}.${care}` };
    return {
      tone: "expected",
      title: `Low expected in about ${min} min`,
      body: `The forecast falls under ${threshold} around ${at(min)}.${chance}${care}`,
    };
  }
  if (risk.possible_at_min !== null) {
    const min = Math.max(5, Math.ceil(risk.possible_at_min / 5) * 5);
    return {
      tone: "possible",
      title: `A low is possible within ${min} min`,
      body: `The forecast itself stays above ${threshold}, but its 80% range reaches under it from about ${at(risk.possible_at_min)} (down to ${fromMgdl(lowest)} ${unit}).${chance} Keep an eye on your readings.`,
    };
  }
  return {
    tone: "clear",
    title: "No low expected in the next hour",
    body: `Even the lower end of the 80% range stays above ${threshold} (lowest ${fromMgdl(lowest)} ${unit}).${chance}`,
  };
}
