const formatterCache = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string, opts: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = tz + JSON.stringify(opts);
  let f = formatterCache.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: tz, ...opts });
    formatterCache.set(key, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export function safeZone(tz: string | null | undefined): string {
  return tz && isValidTimeZone(tz) ? tz : "UTC";
}

/** Offset of `tz` from UTC at the instant `date`, in minutes (east positive). */
export function tzOffsetMinutes(date: Date, tz: string): number {
  const parts = formatter(tz, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  const seconds = Math.floor(date.getTime() / 1000) * 1000;
  return Math.round((asUtc - seconds) / 60000);
}

export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

const LOCAL_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/**
 * Turn a `datetime-local` value (wall time, no zone) into an ISO string with the offset that the
 * user's IANA zone has at that wall time, e.g. "2026-01-15T08:00" in New York → "...T08:00:00-05:00".
 */
export function zonedLocalToIso(local: string, tz: string): string {
  const m = LOCAL_RE.exec(local);
  if (!m) throw new Error(`Not a local date-time: ${local}`);
  const [, y, mo, d, h, mi, s = "00"] = m;
  const wallAsUtc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  let offset = tzOffsetMinutes(new Date(wallAsUtc), tz);
  const second = tzOffsetMinutes(new Date(wallAsUtc - offset * 60000), tz);
  if (second !== offset) {
    // Near a DST switch: prefer the offset that round-trips to the same wall time.
    const third = tzOffsetMinutes(new Date(wallAsUtc - second * 60000), tz);
    offset = third === second ? second : Math.max(offset, second);
  }
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${formatOffset(offset)}`;
}

/** The wall time of an instant in `tz`, formatted for a `datetime-local` input (with seconds if asked). */
export function isoToZonedLocal(iso: string | Date, tz: string, withSeconds = false): string {
  const date = typeof iso === "string" ? new Date(iso) : iso;
  const parts = formatter(tz, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  const local = `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
  return withSeconds ? `${local}:${get("second")}` : local;
}

export function formatDateTime(iso: string | Date | number, tz: string): string {
  return formatter(tz, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    new Date(iso),
  );
}

export function formatDate(iso: string | Date | number, tz: string): string {
  return formatter(tz, { day: "numeric", month: "short", year: "numeric" }).format(new Date(iso));
}

export function formatShortDate(iso: string | Date | number, tz: string): string {
  return formatter(tz, { day: "numeric", month: "short" }).format(new Date(iso));
}

export function formatTime(iso: string | Date | number, tz: string): string {
  return formatter(tz, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
}

export function formatWeekdayTime(iso: string | Date | number, tz: string): string {
  return formatter(tz, { weekday: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(iso));
}

export function minuteOfDayLabel(minute: number): string {
  const h = Math.floor(minute / 60) % 24;
  const m = Math.round(minute % 60);
  return `${String(h).padStart(2, "0")}:${String(m).padStart(2, "0")}`;
}

/** Whole minutes: "45 min", "7 h 12 min" (rounded first, so 119.6 min is "2 h", not "1 h 60 min"). */
export function formatDuration(minutes: number): string {
  const total = Math.round(minutes);
  if (total < 60) return `${total} min`;
  const h = Math.floor(total / 60);
  const m = total % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}

/**
 * Last night in `zone` as `datetime-local` strings: 23:00 the evening before to 07:00. Before
 * 07:00 that night has not ended yet, so the night before it.
 */
export function lastNight(now: Date, zone: string): { start: string; end: string } {
  const local = isoToZonedLocal(now, zone);
  const today = local.slice(0, 10);
  const [y, m, d] = today.split("-").map(Number);
  const day = (offset: number) => new Date(Date.UTC(y, m - 1, d + offset)).toISOString().slice(0, 10);
  const wakeDay = local.slice(11) >= "07:00" ? 0 : -1;
  return { start: `${day(wakeDay - 1)}T23:00`, end: `${day(wakeDay)}T07:00` };
}

export function listTimeZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  const zones = intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
  return zones.includes("UTC") ? zones : ["UTC", ...zones];
}

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

/** "4 min", "2 h 5 min", "3 days" for a span in milliseconds (whole minutes, rounded down). */
export function formatElapsed(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60000);
  if (min < 60) return `${min} min`;
  if (min < 1440) {
    const h = Math.floor(min / 60);
    const m = min % 60;
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(min / 1440);
  return `${d} ${d === 1 ? "day" : "days"}`;
}

/** "just now", "4 min ago", "2 h 5 min ago", "3 days ago" for an age in milliseconds. */
export function formatAge(ms: number): string {
  return ms < 60000 ? "just now" : `${formatElapsed(ms)} ago`;
}
