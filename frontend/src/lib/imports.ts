/**
 * Words and numbers for the import page: the preview question, progress lines and the final
 * summary. Pure functions (no React), so the wording is tested on its own (imports.test.ts).
 */
import type { ImportJob, ImportPreview, ImportProgress, ImportStatus, TypeCounts } from "./api-types";

/** The server's default upload limit (GLUCOLENS_IMPORT_MAX_MB); a larger file is refused with 413. */
export const IMPORT_LIMIT_MB = 200;

/** The record types an import writes, in the order the page lists them. */
export const IMPORT_TYPES = ["glucose", "insulin", "meal", "sleep", "activity"] as const;
export type ImportType = (typeof IMPORT_TYPES)[number];

const TYPE_WORDS: Record<ImportType, [string, string]> = {
  glucose: ["glucose reading", "glucose readings"],
  insulin: ["insulin dose", "insulin doses"],
  meal: ["meal", "meals"],
  sleep: ["sleep entry", "sleep entries"],
  activity: ["activity", "activities"],
};

const TYPE_LABELS: Record<ImportType, string> = {
  glucose: "Glucose",
  insulin: "Insulin",
  meal: "Meals",
  sleep: "Sleep",
  activity: "Activities",
};

export function typeLabel(type: string): string {
  return TYPE_LABELS[type as ImportType] ?? type;
}

/** Statuses the server is still working on: the page polls while a job is in one of them. */
export function isWorking(status: ImportStatus): boolean {
  return status === "previewing" || status === "queued" || status === "running";
}

/** Statuses that wait for the person (confirm the preview, or pick the columns). */
export function isWaiting(status: ImportStatus): boolean {
  return status === "awaiting_confirmation" || status === "needs_mapping";
}

export function formatCount(n: number, locale?: string): string {
  return Math.round(n).toLocaleString(locale);
}

function plural(n: number, [one, many]: [string, string], locale?: string): string {
  return `${formatCount(n, locale)} ${n === 1 ? one : many}`;
}

function listWords(parts: string[]): string {
  if (parts.length <= 1) return parts[0] ?? "";
  return `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** "26,000 glucose readings and 45 meals"; types without rows are left out. */
export function describeTypeCounts(counts: Partial<Record<string, number>>, locale?: string): string {
  const parts = IMPORT_TYPES.filter((t) => (counts[t] ?? 0) > 0).map((t) => plural(counts[t] ?? 0, TYPE_WORDS[t], locale));
  return parts.length ? listWords(parts) : "nothing";
}

function day(iso: string, zone: string, locale: string | undefined, withYear: boolean): string {
  const opts: Intl.DateTimeFormatOptions = { timeZone: zone, day: "numeric", month: "short" };
  return new Intl.DateTimeFormat(locale, withYear ? { ...opts, year: "numeric" } : opts).format(new Date(iso));
}

function yearOf(iso: string, zone: string): string {
  return new Intl.DateTimeFormat("en", { timeZone: zone, year: "numeric" }).format(new Date(iso));
}

/** "from 12 Mar to 9 Jun 2024" (the year once when both ends share it), or "on 12 Mar 2024". */
export function dateRangePhrase(start: string, end: string, zone: string, locale?: string): string {
  const a = day(start, zone, locale, true);
  const b = day(end, zone, locale, true);
  if (a === b) return `on ${a}`;
  const sameYear = yearOf(start, zone) === yearOf(end, zone);
  return `from ${sameYear ? day(start, zone, locale, false) : a} to ${b}`;
}

/**
 * The question the preview asks: "Import 26,000 Dexcom G6 readings from 12 Mar to 9 Jun 2024,
 * times in Europe/Berlin?". For a file written in local time, `timezone` is the zone the person
 * chose (the dates stay those written in the file: they were read in the preview's zone); a file
 * whose times carry their own offsets is dated in `userZone` and names no zone. Counts estimated
 * from the first part of a large file say "about", and its end date is unknown.
 */
export function previewSentence(
  preview: ImportPreview,
  { userZone, timezone, locale }: { userZone: string; timezone?: string | null; locale?: string },
): string {
  const counts = preview.counts;
  const total = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
  if (total === 0) return `This ${preview.format_label} has nothing to import.`;
  const about = preview.estimated ? "about " : "";
  const onlyGlucose = Object.entries(counts).every(([t, n]) => t === "glucose" || !n);
  const glucose = counts.glucose ?? 0;
  const what =
    onlyGlucose && preview.device
      ? `${formatCount(glucose, locale)} ${preview.device} ${glucose === 1 ? "reading" : "readings"}`
      : `${describeTypeCounts(counts, locale)} (${preview.device ?? preview.format_label})`;
  const fileZone = preview.local_times && preview.timezone ? preview.timezone : null;
  const dateZone = fileZone ?? userZone;
  let range = "";
  if (preview.start && preview.estimated) range = ` starting ${day(preview.start, dateZone, locale, true)}`;
  else if (preview.start && preview.end) range = ` ${dateRangePhrase(preview.start, preview.end, dateZone, locale)}`;
  const zone = preview.local_times ? (timezone ?? fileZone) : null;
  return `Import ${about}${what}${range}${zone ? `, times in ${zone}` : ""}?`;
}

export function formatBytes(bytes: number, locale?: string): string {
  if (bytes < 1024) return `${formatCount(bytes, locale)} B`;
  const units = ["kB", "MB", "GB"];
  let value = bytes / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return `${value.toLocaleString(locale, { maximumFractionDigits: 1, minimumFractionDigits: value < 10 ? 1 : 0 })} ${units[i]}`;
}

/** Whole percent, never 100 % before the job says it is done (a rounded 99.6 % is not finished). */
export function formatFraction(fraction: number, done = false): string {
  if (done) return "100%";
  const pct = Math.max(0, Math.min(99, Math.floor((Number.isFinite(fraction) ? fraction : 0) * 100)));
  return `${pct}%`;
}

/** "12.0 MB of 48.0 MB read · 25%" for the progress bar's caption. */
export function progressCaption(
  progress: Pick<ImportProgress, "phase" | "fraction" | "bytes_read" | "bytes_total">,
  locale?: string,
): string {
  const done = progress.phase === "done";
  const pct = formatFraction(progress.fraction, done);
  if (!progress.bytes_total) return pct;
  return `${formatBytes(progress.bytes_read, locale)} of ${formatBytes(progress.bytes_total, locale)} read · ${pct}`;
}

/** One type's counts: "12,000 read: 11,500 added, 480 duplicates skipped, 20 rejected". */
export function typeProgressLine(p: TypeCounts, locale?: string): string {
  const parts = [`${formatCount(p.inserted, locale)} added`];
  if (p.duplicates) parts.push(`${formatCount(p.duplicates, locale)} ${p.duplicates === 1 ? "duplicate" : "duplicates"} skipped`);
  if (p.rejected) parts.push(`${formatCount(p.rejected, locale)} rejected`);
  return `${formatCount(p.read, locale)} read: ${parts.join(", ")}`;
}

/** The counts summed over every type. */
export function progressTotals(progress: ImportProgress | null | undefined): TypeCounts {
  const total = { read: 0, inserted: 0, duplicates: 0, rejected: 0 };
  for (const c of Object.values(progress?.counts ?? {})) {
    total.read += c.read;
    total.inserted += c.inserted;
    total.duplicates += c.duplicates;
    total.rejected += c.rejected;
  }
  return total;
}

/** The types that have counts, in the page's order. */
export function progressRows(progress: ImportProgress | null | undefined): { type: string; counts: TypeCounts }[] {
  const counts = progress?.counts ?? {};
  const known = IMPORT_TYPES.filter((t) => counts[t]).map((t) => ({ type: t as string, counts: counts[t] }));
  const other = Object.keys(counts)
    .filter((t) => !(IMPORT_TYPES as readonly string[]).includes(t))
    .map((t) => ({ type: t, counts: counts[t] }));
  return [...known, ...other].filter((r) => r.counts.read > 0 || r.counts.inserted > 0 || r.counts.rejected > 0);
}

/** The end of a finished import in one sentence. */
export function summarySentence(job: Pick<ImportJob, "progress" | "rejected_total">, locale?: string): string {
  const t = progressTotals(job.progress);
  const rejected = Math.max(t.rejected, job.rejected_total);
  const added = Object.fromEntries(Object.entries(job.progress?.counts ?? {}).map(([k, v]) => [k, v.inserted]));
  const parts = [t.inserted ? `Added ${describeTypeCounts(added, locale)}` : "Nothing new was added"];
  if (t.duplicates)
    parts.push(`${formatCount(t.duplicates, locale)} already in your account ${t.duplicates === 1 ? "was" : "were"} skipped`);
  if (rejected) parts.push(`${formatCount(rejected, locale)} ${rejected === 1 ? "row was" : "rows were"} rejected`);
  return `${listWords(parts)}.`;
}

/** "This file was imported on 3 Mar 2026; nothing new to add." (without a date when the earlier import is not in the list). */
export function alreadyImportedSentence(importedAt: string | null, zone: string, locale?: string): string {
  const when = importedAt ? ` on ${day(importedAt, zone, locale, true)}` : " before";
  return `This file was imported${when}; nothing new to add.`;
}

/** What a job's status means, for the list of past imports. */
export function statusLabel(status: ImportStatus): string {
  const labels: Record<ImportStatus, string> = {
    previewing: "Reading the file",
    awaiting_confirmation: "Waiting for you to confirm",
    needs_mapping: "Waiting for you to pick columns",
    queued: "Queued",
    running: "Importing",
    done: "Done",
    failed: "Failed",
    cancelled: "Cancelled",
  };
  return labels[status] ?? status;
}

/** The browser's language, for numbers and dates written in sentences (undefined outside a browser). */
export function userLocale(): string | undefined {
  return typeof navigator !== "undefined" && navigator.language ? navigator.language : undefined;
}
