import { ApiError } from "@/lib/api";
import { humanReason } from "@/lib/errors";
import { isoToZonedLocal, zonedLocalToIso } from "@/lib/time";

export type FieldKind = "datetime" | "number" | "text" | "select";

export interface FieldDef {
  name: string;
  label: string;
  kind: FieldKind;
  required?: boolean;
  options?: { value: string; label: string }[];
  min?: number;
  max?: number;
  step?: string;
  hint?: string;
  suggestions?: string[];
  /** Span both columns of the form grid. */
  wide?: boolean;
  /** The value a new entry starts with (datetime fields: a `datetime-local` string in `zone`). */
  initial?: (now: Date, zone: string) => string;
}

export type FormValues = Record<string, string>;

/** A new entry's values: each field's `initial`, else now for required date-times, else empty. */
export function emptyValues(fields: FieldDef[], zone: string, now: Date = new Date()): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    if (f.initial) values[f.name] = f.initial(now, zone);
    else values[f.name] = f.kind === "datetime" && f.required ? isoToZonedLocal(now, zone) : "";
  }
  return values;
}

/** A stored number at the precision its input takes ("1" → whole, "0.1" → one decimal). */
export function roundToStep(v: number, step?: string): number {
  const decimals = step && step.includes(".") ? step.split(".")[1].length : step ? 0 : 2;
  const f = 10 ** decimals;
  return Math.round(v * f) / f;
}

export function valuesFromItem(fields: FieldDef[], item: object, zone: string): FormValues {
  const values: FormValues = {};
  for (const f of fields) {
    const v = (item as Record<string, unknown>)[f.name];
    if (v === null || v === undefined) values[f.name] = "";
    else if (f.kind === "datetime") values[f.name] = isoToZonedLocal(String(v), zone);
    else if (f.kind === "number" && typeof v === "number") values[f.name] = String(roundToStep(v, f.step));
    else values[f.name] = String(v);
  }
  return values;
}

/**
 * Form strings → API body. Date-times get the offset of the user's zone; empty optional fields
 * are left out when creating and sent as null when updating (so a cleared field is cleared).
 */
export function bodyFromValues(fields: FieldDef[], values: FormValues, zone: string, mode: "create" | "update") {
  const body: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of fields) {
    const raw = (values[f.name] ?? "").trim();
    if (!raw) {
      if (f.required) errors[f.name] = `${f.label} is required.`;
      else if (mode === "update") body[f.name] = null;
      continue;
    }
    if (f.kind === "datetime") {
      try {
        body[f.name] = zonedLocalToIso(raw, zone);
      } catch {
        errors[f.name] = "Enter a valid date and time.";
      }
    } else if (f.kind === "number") {
      const n = Number(raw);
      if (!Number.isFinite(n)) errors[f.name] = "Enter a number.";
      else if (f.min !== undefined && n < f.min) errors[f.name] = `Must be at least ${f.min}.`;
      else if (f.max !== undefined && n > f.max) errors[f.name] = `Must be at most ${f.max}.`;
      else body[f.name] = n;
    } else {
      body[f.name] = raw;
    }
  }
  return { body, errors };
}

/** Map an API validation error's details onto form fields ("body.end" → "end"). */
export function fieldErrorsFromApi(err: unknown, fields: FieldDef[]): Record<string, string> {
  if (!(err instanceof ApiError)) return {};
  const names = new Set(fields.map((f) => f.name));
  const out: Record<string, string> = {};
  for (const d of err.details) {
    const key = d.field
      ?.split(".")
      .pop()
      ?.replace(/\[\d+\]$/, "");
    if (key && names.has(key)) out[key] = humanReason(d.reason);
  }
  return out;
}
