/**
 * Words for alerts: kind names, what each threshold means and its unit, and the decisions the
 * engine records (docs/alerts.md). Codes the app does not know yet are still shown, as words
 * made from the code, so a new server reason is never hidden.
 */
import type { Unit } from "./units";

export const ALERT_KINDS = [
  "urgent_low",
  "urgent_low_soon",
  "low",
  "high",
  "urgent_high",
  "rising_fast",
  "falling_fast",
  "stale_data",
  "pattern",
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

const KIND_LABELS: Record<string, string> = {
  urgent_low: "Urgent low",
  urgent_low_soon: "Urgent low soon",
  low: "Low",
  high: "High",
  urgent_high: "Urgent high",
  rising_fast: "Rising fast",
  falling_fast: "Falling fast",
  stale_data: "No data",
  pattern: "Pattern",
  test: "Test notification",
};

/** One line under each kind on the settings page. */
export const KIND_HELP: Record<AlertKind, string> = {
  urgent_low: "Below this value. Repeats every few minutes until you acknowledge it; can be snoozed for at most 30 minutes.",
  urgent_low_soon: "The forecast reaches this value within 20 minutes, while falling and below 110 mg/dL (6.1 mmol/L).",
  low: "Below this value.",
  high: "Above this value.",
  urgent_high: "Above this value.",
  rising_fast: "Rising at least this fast over 3 readings or 15 minutes, above 150 mg/dL (8.3 mmol/L).",
  falling_fast: "Falling at least this fast over 3 readings or 15 minutes, below 150 mg/dL (8.3 mmol/L).",
  stale_data: "No reading for this many minutes (urgent after an hour). Keeps alerting until data arrives.",
  pattern: "A new recurring pattern or an unusual day found by the insights; a quiet item in the history, no sound.",
};

/** Kinds that quiet hours and mute-all may never silence (backend alerts/defaults.NEVER_QUIET). */
export const NEVER_QUIET = new Set<string>(["urgent_low", "urgent_low_soon", "stale_data"]);
/** Kinds with an optional "must persist N min". */
export const PERSIST_KINDS = new Set<string>(["low", "high"]);

export function humanize(code: string): string {
  const words = code.replace(/[_.-]+/g, " ").trim();
  return words ? words[0].toUpperCase() + words.slice(1) : code;
}

export function kindLabel(kind: string): string {
  return KIND_LABELS[kind] ?? humanize(kind);
}

export type ThresholdMeasure = "glucose" | "rate" | "minutes" | "none";

export function thresholdMeasure(kind: string): ThresholdMeasure {
  if (kind === "rising_fast" || kind === "falling_fast") return "rate";
  if (kind === "stale_data") return "minutes";
  if (kind === "pattern" || kind === "test") return "none";
  return "glucose";
}

/** The unit a kind's threshold is edited in: the glucose unit, per minute for rates, minutes for stale data. */
export function thresholdUnit(kind: string, unit: Unit): string {
  const m = thresholdMeasure(kind);
  if (m === "rate") return `${unit}/min`;
  if (m === "minutes") return "min";
  return m === "glucose" ? unit : "";
}

/** The input step for a threshold: mmol/L takes one decimal, rates in mmol/L two. */
export function thresholdStep(kind: string, unit: Unit): string {
  const m = thresholdMeasure(kind);
  if (m === "minutes") return "1";
  if (m === "rate") return unit === "mmol/L" ? "0.01" : "0.1";
  return unit === "mmol/L" ? "0.1" : "1";
}

const SEVERITY_LABELS: Record<string, string> = { urgent: "Urgent", warning: "Warning", info: "Info" };

export function severityLabel(severity: string): string {
  return SEVERITY_LABELS[severity] ?? humanize(severity);
}

/** Why a notification was not sent, in plain words ("Not sent: snoozed"). */
const SUPPRESS_REASONS: Record<string, string> = {
  snoozed: "snoozed",
  stale: "the reading was more than 10 minutes old",
  quiet_hours: "quiet hours",
  muted: "all alerts muted",
  episode_open: "this alert was already open",
  rate_limited: "already notified a short time ago",
  persist_pending: "waiting to see whether it persists",
  disabled: "this alert is turned off",
  backfill: "the reading came from history (an import or backfill)",
  no_channels: "no notification channel is on",
  no_contact: "no emergency contact is set",
};

const ACTIONS: Record<string, string> = {
  open: "Opened and notified",
  opened: "Opened and notified",
  notify: "Notified",
  notified: "Notified",
  repeat: "Repeated",
  repeated: "Repeated",
  escalate: "Escalated to the emergency contact",
  escalated: "Escalated to the emergency contact",
  rejoin: "Came back within 15 minutes: same alert, no new notification",
  continue: "Came back within 15 minutes: same alert, no new notification",
  continued: "Came back within 15 minutes: same alert, no new notification",
  severity: "Became urgent",
  acknowledge: "Acknowledged",
  acknowledged: "Acknowledged",
  read: "Marked read",
};

const CLOSE_ACTIONS = new Set(["close", "closed", "resolve", "resolved"]);
const SUPPRESS_ACTIONS = new Set(["suppress", "suppressed", "skipped", "pending"]);

/**
 * A decision in words: "Not sent: quiet hours", "Repeated", "Resolved: back across the
 * threshold". Any decision carrying a suppression reason was a notification that did not go out.
 */
export function decisionText(action: string, reason: string | null | undefined): string {
  if (CLOSE_ACTIONS.has(action)) return reason ? `Resolved: ${resolvedText(reason).toLowerCase()}` : "Resolved";
  if (SUPPRESS_ACTIONS.has(action) || (reason && reason in SUPPRESS_REASONS)) {
    const why = reason ? (SUPPRESS_REASONS[reason] ?? humanize(reason).toLowerCase()) : "no reason recorded";
    return action === "escalate" ? `Not escalated: ${why}` : `Not sent: ${why}`;
  }
  const base = ACTIONS[action] ?? humanize(action);
  return reason ? `${base} (${humanize(reason).toLowerCase()})` : base;
}

/** Whether a decision is a notification that did not go out (shown highlighted in the history). */
export function isSuppression(action: string, reason: string | null | undefined): boolean {
  return !CLOSE_ACTIONS.has(action) && (SUPPRESS_ACTIONS.has(action) || (!!reason && reason in SUPPRESS_REASONS));
}

const RESOLVED_REASONS: Record<string, string> = {
  recovered: "Back across the threshold",
  data_returned: "Data arrived again",
  stale: "Data stopped (see the no-data alert)",
  escalated: "Became an urgent low",
  disabled: "The alert was turned off",
  expired: "Expired",
  test: "Sent as a test",
};

export function resolvedText(reason: string | null | undefined): string {
  if (!reason) return "Resolved";
  return RESOLVED_REASONS[reason] ?? humanize(reason);
}

const DELIVERY_STATUS: Record<string, string> = {
  sent: "Sent",
  pending: "Sending…",
  failed: "Failed",
  gone: "Subscription gone",
  skipped: "Not configured",
};

const CHANNELS: Record<string, string> = { websocket: "This app (live)", email: "Email", push: "Browser push", webhook: "Webhook" };

export function channelLabel(channel: string): string {
  return CHANNELS[channel] ?? humanize(channel);
}

export function deliveryStatusLabel(status: string): string {
  return DELIVERY_STATUS[status] ?? humanize(status);
}

/** "HH:MM" for a time input; the API may send seconds. */
export function hhmm(value: string | null | undefined): string {
  return value ? value.slice(0, 5) : "";
}

const FIELD_CODES: [RegExp, string][] = [
  [/\bquiet_start\b/gi, "the start of quiet hours"],
  [/\bquiet_end\b/gi, "the end of quiet hours"],
  [/\bmute_until\b|\bmute_minutes\b/gi, "the mute"],
  [/\bwebhook_url\b/gi, "the webhook URL"],
  [/\burgent_after_min\b/gi, "'urgent after'"],
  [/\bpersist_min\b/gi, "'must persist'"],
  [/\brepeat_min\b/gi, "'repeat every'"],
  [/\bhorizon_min\b/gi, "the forecast horizon"],
];

/**
 * The server's 422 messages name kinds and fields by code ("The urgent_low threshold must be
 * between 2.2 and 3.9 mmol/L."); people read "The urgent low threshold ...".
 */
export function alertCodesToWords(message: string): string {
  // Case-insensitive: the web app's sentence() may already have capitalised a leading code.
  let out = message.replace(/\b(urgent_low_soon|urgent_low|urgent_high|rising_fast|falling_fast|stale_data)\b/gi, (m) =>
    kindLabel(m.toLowerCase()).toLowerCase(),
  );
  for (const [re, words] of FIELD_CODES) out = out.replace(re, words);
  return out.replace(/^([a-z])/, (c) => c.toUpperCase());
}

/** The kind and field a 422 detail names: "kinds[low].threshold" → { kind: "low", field: "threshold" }. */
export function errorField(field: string | null | undefined): { kind: string | null; field: string } | null {
  if (!field) return null;
  const m = /^kinds\[([a-z_]+)\]\.(\w+)$/.exec(field);
  if (m) return { kind: m[1], field: m[2] };
  return { kind: null, field: field.replace(/^settings\./, "") };
}
