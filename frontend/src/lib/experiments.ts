/** Pure helpers of the experiments pages: outcome choices, calendar weeks, verdict tones. */

export type OutcomeKind = "window_mean" | "window_peak" | "day_mean" | "day_tir";

export interface OutcomeChoice {
  value: OutcomeKind;
  label: string;
  hint: string;
  window: boolean;
}

export const OUTCOME_CHOICES: OutcomeChoice[] = [
  { value: "window_mean", label: "Mean glucose in a time window", hint: "e.g. 19:00–23:00 for after dinner", window: true },
  { value: "window_peak", label: "Peak glucose in a time window", hint: "the highest value, e.g. the post-dinner peak", window: true },
  { value: "day_mean", label: "Mean glucose over the day", hint: "the whole local day", window: false },
  { value: "day_tir", label: "Time in range over the day", hint: "70–180 mg/dL (3.9–10.0 mmol/L), in percent", window: false },
];

export function outcomeChoice(kind: OutcomeKind): OutcomeChoice {
  return OUTCOME_CHOICES.find((o) => o.value === kind) ?? OUTCOME_CHOICES[0];
}

/** A sensible first effect size: about one typical day-to-day SD's worth for a post-meal window. */
export function defaultEffect(kind: OutcomeKind, unit: string): number {
  if (kind === "day_tir") return 5;
  const mgdl = kind === "window_peak" ? 25 : kind === "day_mean" ? 10 : 15;
  return unit === "mmol/L" ? Math.round((mgdl / 18.0182) * 10) / 10 : mgdl;
}

/** The unit the effect and the result are in: the user's glucose unit, or percentage points. */
export function effectUnit(kind: OutcomeKind, unit: string): string {
  return kind === "day_tir" ? "percentage points" : unit;
}

/** "2026-12-07" -> Date at UTC midnight; local calendar dates never go through a time zone. */
export function parseDay(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

const dayFormat = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });

export function formatDay(day: string): string {
  return dayFormat.format(parseDay(day));
}

/** Days laid out in Monday-first weeks; null pads the first and last week. */
export function calendarWeeks<T extends { date: string }>(days: T[]): (T | null)[][] {
  if (!days.length) return [];
  const lead = (parseDay(days[0].date).getUTCDay() + 6) % 7;
  const cells: (T | null)[] = [...Array<null>(lead).fill(null), ...days];
  while (cells.length % 7) cells.push(null);
  const weeks: (T | null)[][] = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

export type Tone = "success" | "danger" | "neutral" | "info";

/** A badge tone and word that never claims more than the result: only a final verdict is coloured. */
export function verdictBadge(result: { status: string; final: boolean }): { tone: Tone; label: string } {
  if (result.status === "not_enough_days") return { tone: "neutral", label: result.final ? "Not enough days" : "Not enough days yet" };
  if (!result.final) return { tone: "info", label: "Interim" };
  if (result.status === "helped") return { tone: "success", label: "Helped" };
  if (result.status === "worse") return { tone: "danger", label: "Made it worse" };
  return { tone: "neutral", label: "No clear effect" };
}

export const STATUS_LABEL: Record<string, string> = {
  scheduled: "Starts soon",
  running: "Running",
  complete: "Complete",
  stopped: "Stopped early",
};

/** Where a difference and its interval sit on a scale symmetric around zero (0–100 %). */
export function intervalPositions(
  low: number,
  high: number,
  estimate: number,
): { low: number; high: number; estimate: number; zero: number } {
  const reach = Math.max(Math.abs(low), Math.abs(high), Math.abs(estimate), 1e-9) * 1.15;
  const at = (v: number) => ((v + reach) / (2 * reach)) * 100;
  return { low: at(low), high: at(high), estimate: at(estimate), zero: 50 };
}
