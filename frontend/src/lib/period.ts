import { formatDate, isoToZonedLocal, zonedLocalToIso } from "./time";
import type { DataRange } from "./api-types";

/** The dashboard's period: `days` local days ending on `end` (YYYY-MM-DD, inclusive). */
export interface Period {
  end: string;
  days: number;
}

export const PERIOD_PRESETS = [1, 7, 14, 30, 90] as const;
export const DEFAULT_DAYS = 14;
/** The longest custom range: the AGP and the summary read at most 90 days. */
export const MAX_PERIOD_DAYS = 90;
const DAY_MS = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.toISOString().slice(0, 10) === s;
}

/** The local calendar date of an instant in `zone`. */
export function localDate(instant: number | string | Date, zone: string): string {
  return isoToZonedLocal(new Date(instant), zone).slice(0, 10);
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (b − a). */
export function daysBetween(a: string, b: string): number {
  const ms = (s: string) => {
    const [y, m, d] = s.split("-").map(Number);
    return Date.UTC(y, m - 1, d);
  };
  return Math.round((ms(b) - ms(a)) / DAY_MS);
}

export function periodStart(p: Period): string {
  return addDays(p.end, -(p.days - 1));
}

export interface DefaultPeriod {
  period: Period;
  /** True when the newest reading is more than a day old, so the period ends on its day. */
  anchoredToData: boolean;
}

/**
 * Today's period, unless the newest reading is more than a day old: then the latest period
 * that has data (ending on the newest reading's day), so imported history is not hidden.
 */
export function defaultPeriod(range: DataRange | undefined, zone: string, now: number, days = DEFAULT_DAYS): DefaultPeriod {
  const today = localDate(now, zone);
  const last = range?.last_reading_at ? Date.parse(range.last_reading_at) : NaN;
  if (range?.last_day && Number.isFinite(last) && now - last > DAY_MS && range.last_day < today) {
    return { period: { end: range.last_day, days }, anchoredToData: true };
  }
  return { period: { end: today, days }, anchoredToData: false };
}

/** The period before (−1) or after (+1) `p`, never ending after today. */
export function shiftPeriod(p: Period, direction: -1 | 1, today: string): Period {
  const end = addDays(p.end, direction * p.days);
  return { ...p, end: end > today ? today : end };
}

export function canGoForward(p: Period, today: string): boolean {
  return p.end < today;
}

export function canGoBack(p: Period, firstDay: string | null | undefined): boolean {
  return Boolean(firstDay) && periodStart(p) > (firstDay as string);
}

/** Validate a custom start–end range from the date picker; returns a period or a reason. */
export function periodFromRange(start: string, end: string, today: string): Period | string {
  if (!isDate(start) || !isDate(end)) return "Choose a start and an end date.";
  if (start > end) return "The start date must be on or before the end date.";
  if (end > today) return "The end date cannot be in the future.";
  const days = daysBetween(start, end) + 1;
  if (days > MAX_PERIOD_DAYS) return `Choose at most ${MAX_PERIOD_DAYS} days.`;
  return { end, days };
}

/** The instant a period's charts end: now for a period ending today, else the end day's midnight. */
export function periodEndMs(p: Period, zone: string, now: number): number {
  if (p.end >= localDate(now, zone)) return Math.ceil(now / 60000) * 60000;
  return Date.parse(zonedLocalToIso(`${addDays(p.end, 1)}T00:00`, zone));
}

function dateOnly(date: string): Date {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

/** "3 Mar 2026" for a YYYY-MM-DD (the date itself, whatever the zone). */
export function formatDay(date: string): string {
  return formatDate(dateOnly(date), "UTC");
}

/** "14 days: 18 Feb – 3 Mar 2026" or "1 day: 3 Mar 2026". */
export function periodLabel(p: Period): string {
  const end = formatDay(p.end);
  if (p.days === 1) return `1 day: ${end}`;
  return `${p.days} days: ${formatDay(periodStart(p))} – ${end}`;
}

export function isPreset(days: number): boolean {
  return (PERIOD_PRESETS as readonly number[]).includes(days);
}
