export type Unit = "mg/dL" | "mmol/L";

export interface User {
  id: string;
  email: string;
  display_name: string | null;
  timezone: string;
  unit: Unit;
  target_low_mgdl: number;
  target_high_mgdl: number;
  created_at: string;
}

export interface TokenPair {
  access_token: string;
  token_type: "bearer";
  expires_in: number;
  /** Null on a cookie refresh: the web app never sees its refresh token. */
  refresh_token: string | null;
  user: User;
}

export interface ErrorDetail {
  field?: string;
  row?: number;
  reason: string;
}

export interface Session {
  id: string;
  device: string | null;
  ip: string | null;
  created_at: string;
  last_seen_at: string | null;
  current: boolean;
}

export type ApiKeyScope = "read" | "write:readings";

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: ApiKeyScope[];
  created_at: string;
  last_used_at: string | null;
  key?: string;
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface BulkReport {
  inserted: number;
  duplicates: number;
  rejected: { index: number; field?: string; reason: string }[];
}

export interface GlucoseReading {
  id: string;
  timestamp: string;
  utc_offset_min: number;
  value: number;
  unit: Unit;
  value_mgdl: number;
  flag: null | "low" | "high";
  trend: string | null;
  device: string | null;
  source: string;
  external_id: string | null;
  created_at: string;
}

export interface BandPct {
  very_low_pct: number;
  low_pct: number;
  in_range_pct: number;
  high_pct: number;
  very_high_pct: number;
}

export interface SummaryWindow {
  days: number;
  start: string;
  end: string;
  mean: number | null;
  sd: number | null;
  cv_pct: number | null;
  gmi_pct: number | null;
  reading_count: number;
  expected_count: number;
  wear_pct: number;
  days_with_data: number;
  sufficient_data: boolean;
  bands: BandPct;
  target_pct: number;
}

/** One local day of GET /dashboard/daily. */
export interface DayStats {
  date: string;
  mean: number | null;
  sd: number | null;
  cv_pct: number | null;
  min: number | null;
  max: number | null;
  reading_count: number;
  wear_pct: number | null;
  in_range_pct: number | null;
  bands: BandPct;
}

export interface DailyResponse {
  unit: Unit;
  target_low: number;
  target_high: number;
  days: DayStats[];
}

export interface DashboardSummary {
  unit: Unit;
  target_low: number;
  target_high: number;
  windows: SummaryWindow[];
}

export interface SeriesResponse {
  unit: Unit;
  total: number;
  downsampled: boolean;
  /** Width of a downsampled point's time bucket; null when the points are raw readings. */
  bucket_s?: number | null;
  points: { t: string; v: number; min?: number | null; max?: number | null }[];
}

/** GET /dashboard/data-range: where the account's readings start and end. */
export interface DataRange {
  first_reading_at: string | null;
  last_reading_at: string | null;
  first_day: string | null;
  last_day: string | null;
  reading_count: number;
}

export type SourceKind = "glucose" | "insulin" | "sleep" | "meals" | "activities";
export type SourceCounts = Record<SourceKind, number>;

/** GET /data/sources: rows per source (demo, manual, csv, an API client, ...). */
export interface DataSources {
  sources: { source: string; counts: SourceCounts }[];
}

export interface SourceDeleted {
  source: string;
  deleted: SourceCounts;
}

export interface AgpBin {
  minute: number;
  p5: number | null;
  p25: number | null;
  p50: number | null;
  p75: number | null;
  p95: number | null;
}

export interface AgpResponse {
  unit: Unit;
  days: number;
  reading_count: number;
  bins: AgpBin[];
}

/** `failed` is not in docs/api.md but the backend sends it when one analysis step crashed. */
export type InsightStatus = "ok" | "insufficient_data" | "pending" | "failed";

export interface InsightEnvelope<T> {
  status: InsightStatus;
  computed_at: string | null;
  stale: boolean;
  job_id: string | null;
  data: (T & { reason?: string }) | { reason?: string } | null;
}

export interface Job {
  id: string;
  status: "queued" | "running" | "done" | "failed";
  progress: number | null;
  step?: string | null;
  error: string | null;
  created_at?: string;
  started_at?: string | null;
}

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
  label: string;
  typical_hour: number | null;
  mean_shape: number[];
  occurrences: { start: string }[];
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
