"use client";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useRecordMutations } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import { formatDateTime, isoToZonedLocal, zonedLocalToIso } from "@/lib/time";
import type { GlucoseReading, Schemas } from "@/lib/api-types";
import { asUnit, formatGlucose, glucoseInputProps, mgdlToUnit, roundGlucose } from "@/lib/units";

type GlucoseKind = Schemas["GlucoseIn"]["kind"];

/** A stored reading's kind as the request takes it (answers name it as a plain string). */
function glucoseKind(kind: string): GlucoseKind {
  return kind === "scan" || kind === "meter" ? kind : "cgm";
}

export const READING_CONFLICT = "There is already a reading at this time. Change the time, or edit the existing reading below.";

/** Now, to the second: two readings added a few seconds apart must not share a time. */
function nowLocal(zone: string): string {
  return isoToZonedLocal(new Date(), zone, true);
}

/**
 * Add a reading (the time starts at now and returns to now after each save), or edit one:
 * `reading` given, the form replaces it and keeps its source, device and trend.
 */
export function ReadingForm({ reading, onDone }: { reading?: GlucoseReading; onDone?: () => void }) {
  const user = useUser();
  const { create, update } = useRecordMutations("glucose");
  const bounds = glucoseInputProps(user.unit);
  const [value, setValue] = useState(() => (reading ? String(roundGlucose(mgdlToUnit(reading.value_mgdl, user.unit), user.unit)) : ""));
  const [when, setWhen] = useState(() => (reading ? isoToZonedLocal(reading.timestamp, user.zone, true) : nowLocal(user.zone)));
  const [saved, setSaved] = useState<string | null>(null);
  const n = Number(value);
  const timestamp = () => zonedLocalToIso(when, user.zone);

  const { onSubmit, busy, error, done } = useSubmit({
    validate: () => {
      if (!value || !Number.isFinite(n) || n < bounds.min || n > bounds.max) {
        return `Enter a value between ${bounds.min} and ${bounds.max} ${user.unit}.`;
      }
      try {
        timestamp();
      } catch {
        return "Enter a valid date and time.";
      }
      return true;
    },
    run: async () => {
      if (reading) {
        const body = {
          timestamp: timestamp(),
          value: n,
          unit: user.unit,
          source: reading.source,
          external_id: reading.external_id,
          trend: reading.trend,
          device: reading.device,
          kind: glucoseKind(reading.kind),
          period_min: reading.period_min,
        };
        await update.mutateAsync({ id: reading.id, body });
        onDone?.();
        return;
      }
      const r = await create.mutateAsync({ timestamp: timestamp(), value: n, unit: user.unit, source: "manual", kind: "cgm" });
      setSaved(`Saved ${formatGlucose(r.value, asUnit(r.unit), true)} at ${formatDateTime(r.timestamp, user.zone)}.`);
      setValue("");
      setWhen(nowLocal(user.zone));
    },
    errorContext: { conflict: READING_CONFLICT },
  });

  const prefix = reading ? "edit-glucose" : "glucose";
  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={`${prefix}-value`} label={`Glucose (${user.unit})`}>
          <Input
            type="number"
            inputMode="decimal"
            required
            step={bounds.step}
            min={bounds.min}
            max={bounds.max}
            value={value}
            onChange={(e) => setValue(e.target.value)}
          />
        </Field>
        <Field id={`${prefix}-time`} label="Time" hint={`In ${user.zone}`}>
          <Input type="datetime-local" step="1" required value={when} onChange={(e) => setWhen(e.target.value)} />
        </Field>
      </div>
      {error ? <Alert variant="error">{error}</Alert> : null}
      {done && saved ? <Alert variant="success">{saved}</Alert> : null}
      <Button type="submit" disabled={busy}>
        {busy ? "Saving…" : reading ? "Save changes" : "Add reading"}
      </Button>
    </form>
  );
}
