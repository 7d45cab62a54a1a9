import { MGDL_PER_MMOL } from "./units";
import type { Bands, DashboardSummary, SummaryWindow } from "./api-types";
import type { Schemas } from "./api-types";

type DailyResponse = Schemas["Daily"];

/** Window lengths GET /dashboard/summary answers; other periods are built from /dashboard/daily. */
export const SUMMARY_WINDOWS = [7, 14, 30, 90] as const;
const MIN_DAYS_FOR_SUFFICIENCY = 14;
const MIN_WEAR_PCT = 70;
const READINGS_PER_DAY = 288; // a 5-minute sensor, for days with no reading at all

export function summaryCovers(days: number): boolean {
  return (SUMMARY_WINDOWS as readonly number[]).includes(days);
}

const BAND_KEYS: (keyof Bands)[] = ["very_low_pct", "low_pct", "in_range_pct", "high_pct", "very_high_pct"];

/**
 * A period's consensus metrics combined from its per-day statistics, for the lengths the summary
 * endpoint does not take (1 day, custom ranges). Counts, means and band shares combine exactly;
 * the SD is pooled from each day's mean and SD; expected readings come from each day's wear. The
 * inputs are rounded by the API, so figures can differ from a server summary in the last digit.
 */
export function windowFromDays(daily: DailyResponse, days: number, startIso: string, endIso: string): DashboardSummary {
  const withData = daily.days.filter((d) => d.reading_count > 0 && d.mean !== null);
  const n = withData.reduce((s, d) => s + d.reading_count, 0);
  const mean = n ? withData.reduce((s, d) => s + d.reading_count * (d.mean as number), 0) / n : null;
  let sd: number | null = null;
  if (mean !== null && n > 1) {
    const ss =
      withData.reduce((s, d) => s + (d.reading_count - 1) * (d.sd ?? 0) ** 2 + d.reading_count * (d.mean as number) ** 2, 0) -
      n * mean ** 2;
    sd = Math.sqrt(Math.max(0, ss) / (n - 1));
  }
  const bands = Object.fromEntries(
    BAND_KEYS.map((k) => [k, n ? withData.reduce((s, d) => s + d.reading_count * (d.bands[k] ?? 0), 0) / n : 0]),
  ) as unknown as Bands;
  const expectedWithData = withData.reduce((s, d) => s + (d.wear_pct ? (d.reading_count * 100) / d.wear_pct : READINGS_PER_DAY), 0);
  const expected = expectedWithData + (days - withData.length) * READINGS_PER_DAY;
  const wear = expected > 0 ? Math.min(100, (100 * n) / expected) : 0;
  const meanMgdl = mean === null ? null : daily.unit === "mmol/L" ? mean * MGDL_PER_MMOL : mean;
  const win: SummaryWindow = {
    days,
    start: startIso,
    end: endIso,
    mean,
    sd,
    min: null,
    max: null,
    cv_pct: mean && sd !== null ? (100 * sd) / mean : null,
    gmi_pct: meanMgdl === null ? null : 3.31 + 0.02392 * meanMgdl,
    reading_count: n,
    expected_count: Math.round(expected),
    wear_pct: wear,
    days_with_data: withData.length,
    sufficient_data: withData.length >= MIN_DAYS_FOR_SUFFICIENCY && wear >= MIN_WEAR_PCT,
    bands,
    target_pct: bands.in_range_pct,
  };
  return { unit: daily.unit, timezone: daily.timezone, target_low: daily.target_low, target_high: daily.target_high, windows: [win] };
}
