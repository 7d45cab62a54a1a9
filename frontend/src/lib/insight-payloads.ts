/**
 * What the insight views read from an insight's `data`. The server's schema types `data` as an
 * open object (backend insights/schemas.py: `InsightEnvelope.data: dict[str, Any]`; the payloads
 * are built in insights/pipeline.py and analytics/), so these few shapes cannot be generated
 * like the rest of the API types (src/lib/api-types.ts). Everything around them, the envelope
 * and the job, is.
 */
import type { InsightEnvelope } from "./api-types";
import type { Unit } from "./units";

/** An insight envelope whose `data` is `T` when the status is ok, or only a reason otherwise. */
export type Insight<T> = Omit<InsightEnvelope, "data"> & {
  data: (T & { reason?: string | null }) | { reason?: string | null } | null;
};

export interface CorrelationCell {
  feature: string;
  outcome: string;
  lag: number;
  pearson_r: number | null;
  spearman_r: number | null;
  p: number | null;
  q: number | null;
  n: number;
}

export interface CorrelationsData {
  features: string[];
  outcomes: string[];
  lags: number[];
  cells: CorrelationCell[];
}

export interface CausalNode {
  id: string;
  label: string;
  kind: string;
  unit: string | null;
}

export interface CausalEdge {
  source: string;
  target: string;
  lag: number;
  sign: number | string;
  strength: number;
  p: number | null;
  q: number | null;
  /** "established" (q < 0.01) or "tentative" (0.01 <= q < 0.05); absent on old results. */
  confidence?: "established" | "tentative";
  effect: number | null;
  effect_text?: string | null;
  explanation: string;
  evidence: { x: number[]; y: number[]; x_label: string; y_label: string } | null;
}

export interface CausalGraphData {
  /** Days with data behind a daily graph. */
  n_samples?: number;
  nodes: CausalNode[];
  edges: CausalEdge[];
}

export interface Motif {
  id: string;
  window_minutes: number;
  /** Shape and local time, e.g. "Recurring overnight low (around 03:00)". */
  label: string;
  /** Local clock hour of the event (nadir of a low, peak of a spike). */
  typical_hour: number | null;
  mean_shape: number[];
  occurrences: { start: string }[];
  /** Absent in results computed before issue 16. */
  kind?: "low" | "spike" | "high" | "dawn" | "fall" | "pattern";
  /** Distinct local days with an occurrence, and with the clinical event itself. */
  days?: number;
  event_days?: number;
  /** Days of readings analysed. */
  history_days?: number;
  /** Lowest reading of a low, highest of a spike or high (mg/dL). */
  extreme_mgdl?: number | null;
  /** Median rise of a spike (mg/dL). */
  rise_mgdl?: number | null;
  score?: number;
  /** Parts of the rank score: margin + clinical (recurrence x burden x timing). */
  score_components?: Record<string, number>;
}

export interface PatternsData {
  motifs: Motif[];
}

export interface Anomaly {
  start: string;
  end: string;
  score: number;
  window_minutes: number;
  shape: number[];
}

/** How unusual the newest window of readings is, from the streaming matrix profile. */
export interface Novelty {
  window_minutes: number;
  start: string;
  end: string;
  score: number;
  percentile: number;
  flagged: boolean;
}

export interface AnomaliesData {
  anomalies: Anomaly[];
  novelty?: Novelty | null;
}

export interface ForecastHorizon {
  minutes: number;
  value: number;
  lo80: number;
  hi80: number;
  lo95: number;
  hi95: number;
}

/** One 5-minute step of the forecast path (value and 80% interval). */
export interface ForecastPathPoint {
  minutes: number;
  value: number;
  lo80: number;
  hi80: number;
}

/** How likely a low is within the forecast window (computed in mg/dL by the backend). */
export interface LowRisk {
  threshold_mgdl: number;
  /** First minute the point forecast reaches the threshold (0: already below). */
  expected_at_min: number | null;
  /** First minute the lower 80% bound reaches the threshold. */
  possible_at_min: number | null;
  /** Highest chance (0–1) of being below the threshold at any forecast step, and that step. */
  probability: number;
  probability_at_min: number | null;
}

export interface PredictionsData {
  last_reading_at: string;
  last_value: number;
  unit?: Unit;
  horizons: ForecastHorizon[];
  path?: ForecastPathPoint[];
  time_to_low_min: number | null;
  low_risk?: LowRisk | null;
}
