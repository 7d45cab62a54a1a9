import { ApiError } from "./api";
import type { ErrorDetail } from "./api-types";

/**
 * Error messages for people. The API's messages are written for developers ("Value error, end
 * must be after start", "same source and external_id", "Split the batch"); the API keeps its
 * field and reason, and the web app turns them into sentences here.
 */
export interface ErrorContext {
  /** What a 409 means on this form, e.g. "There is already a reading at this time." */
  conflict?: string;
  /** Words for field names, e.g. { timestamp: "Time" }. */
  fieldLabels?: Record<string, string>;
}

const FIELD_WORDS: Record<string, string> = {
  timestamp: "Time",
  value: "Glucose value",
  unit: "Unit",
  start: "Start",
  end: "End",
  units: "Units",
  kind: "Type",
  insulin_type: "Insulin",
  carbs_g: "Carbohydrates",
  protein_g: "Protein",
  fat_g: "Fat",
  kcal: "Energy",
  activity_type: "Activity",
  avg_hr: "Heart rate",
  email: "Email",
  password: "Password",
  new_password: "New password",
  current_password: "Current password",
  timezone: "Time zone",
  target_low_mgdl: "Target range",
  target_high_mgdl: "Target range",
  file: "File",
  items: "Upload",
};

/** Developer phrasings → plain words. Order matters: the first match wins. */
const REASONS: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^end must be after start$/i, () => "The end must be after the start"],
  [/^field required$/i, () => "This is required"],
  [/^input should be greater than or equal to (-?[\d.]+)/i, (m) => `Must be at least ${m[1]}`],
  [/^input should be greater than (-?[\d.]+)/i, (m) => `Must be more than ${m[1]}`],
  [/^input should be less than or equal to (-?[\d.]+)/i, (m) => `Must be at most ${m[1]}`],
  [/^input should be less than (-?[\d.]+)/i, (m) => `Must be less than ${m[1]}`],
  [/^input should be a valid (number|integer|float)/i, () => "Enter a number"],
  [/^input should be a valid (datetime|date)/i, () => "Enter a valid date and time"],
  [/^input should be '([^']+)' or '([^']+)'/i, (m) => `Choose ${m[1]} or ${m[2]}`],
  [/^string should have at most (\d+) characters?/i, (m) => `Use at most ${m[1]} characters`],
  [/^string should have at least (\d+) characters?/i, (m) => `Use at least ${m[1]} characters`],
  [/^extra inputs are not permitted/i, () => "This field is not accepted"],
  [/^time is before 2000-01-01.*$/i, () => "The time is before the year 2000; check the year"],
  [/^time is more than 5 minutes in the future$/i, () => "The time is in the future"],
  [/^time needs? .*offset.*$/i, () => "Enter a time with its time zone"],
  [/is not an ISO 8601 (time|date)/i, () => "This is not a valid date and time"],
];

function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const capital = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** One validation reason in plain words, as a sentence. */
export function humanReason(reason: string): string {
  const bare = reason.replace(/^(value|assertion) error,\s*/i, "").trim();
  for (const [re, words] of REASONS) {
    const m = re.exec(bare);
    if (m) return sentence(words(m));
  }
  return sentence(bare);
}

function fieldName(field: string | null | undefined, ctx?: ErrorContext): string | null {
  if (!field) return null;
  const key =
    field
      .split(".")
      .pop()
      ?.replace(/\[\d+\]$/, "") ?? field;
  return ctx?.fieldLabels?.[key] ?? FIELD_WORDS[key] ?? null;
}

function detailSentence(d: ErrorDetail, ctx?: ErrorContext): string {
  const reason = humanReason(d.reason);
  const name = fieldName(d.field, ctx);
  if (!name || /^(the|this) /i.test(reason)) return reason;
  return `${name}: ${reason[0].toLowerCase()}${reason.slice(1)}`;
}

// A server message a person should not see as it is.
const JARGON = /invalid request:|value error|external_id|split the batch|input should|field required|body\.|\bquery\./i;

function tooLarge(message: string): string {
  const mb = /(\d+)\s*MB/i.exec(message);
  return `This file is too large${mb ? ` (the limit is ${mb[1]} MB)` : ""}. Split it into smaller files and upload them one at a time.`;
}

function fromApiError(err: ApiError, ctx?: ErrorContext): string {
  if (err.status === 0) return "Could not reach the server. Check your connection and try again.";
  // A wrong password is worth saying as the server says it; any other 401 means the session ended.
  if (err.status === 401) return /password/i.test(err.message) ? sentence(err.message) : "Your session has ended. Please sign in again.";
  if (err.status === 403)
    return /csrf/i.test(err.message)
      ? "Your sign-in could not be confirmed. Reload the page and try again."
      : /password/i.test(err.message)
        ? sentence(err.message)
        : "You do not have permission to do this.";
  if (err.status === 404) return "This entry no longer exists. It may have been deleted elsewhere; reload to see the current list.";
  if (err.status === 409)
    return (
      ctx?.conflict ??
      (JARGON.test(err.message)
        ? "An entry for this time already exists. Change the time, or edit the existing entry."
        : sentence(err.message))
    );
  if (err.status === 413) return tooLarge(err.message);
  if (err.status === 429) return "Too many requests in a short time. Wait a minute and try again.";
  if (err.status >= 500)
    return JARGON.test(err.message) || !err.message ? "The server had a problem. Please try again in a moment." : sentence(err.message);
  if (/split the batch/i.test(err.message))
    return "Too many readings in one upload. Split the file into smaller files and upload them one at a time.";
  if (!JARGON.test(err.message)) return sentence(err.message);
  if (err.details.length) return [...new Set(err.details.map((d) => detailSentence(d, ctx)))].join(" ");
  return "Something in this form is not valid. Check the values and try again.";
}

/** The message to show a person for any error thrown by the API client or the app. */
export function humanError(err: unknown, ctx?: ErrorContext): string {
  if (err instanceof ApiError) return fromApiError(err, ctx);
  if (err instanceof Error && err.message && !JARGON.test(err.message)) return err.message;
  return "Something went wrong. Please try again.";
}
