"use client";
import { useMemo, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { NativeSelect } from "@/components/ui/input";
import { Progress } from "@/components/ui/progress";
import { useCancelImport, useStartImport } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import type { ImportJob, ImportPreview } from "@/lib/api-types";
import { formatBytes, formatCount, formatFraction, previewSentence, progressCaption } from "@/lib/imports";
import { listTimeZones } from "@/lib/time";
import type { Unit } from "@/lib/units";
import { ProgressTable, RejectedRows } from "./import-summary";

function CancelButton({ job, onCancelled }: { job: ImportJob; onCancelled: () => void }) {
  const cancel = useCancelImport();
  return (
    <Button
      variant="secondary"
      disabled={cancel.isPending}
      onClick={() => cancel.mutate(job.id, { onSuccess: onCancelled })}
      data-testid="import-cancel"
    >
      {cancel.isPending ? "Cancelling…" : "Cancel"}
    </Button>
  );
}

/** Confirm the preview: the question in plain words, and the time zone for files written in local time. */
export function PreviewStep({
  job,
  preview,
  userZone,
  locale,
  onCancelled,
}: {
  job: ImportJob;
  preview: ImportPreview;
  userZone: string;
  locale?: string;
  onCancelled: () => void;
}) {
  const start = useStartImport();
  const fileZone = preview.local_times && preview.timezone ? preview.timezone : "";
  const [zone, setZone] = useState(fileZone);
  const zones = useMemo(() => {
    const all = listTimeZones();
    return zone && !all.includes(zone) ? [zone, ...all] : all;
  }, [zone]);
  const { onSubmit, busy, error } = useSubmit({
    run: () => start.mutateAsync({ id: job.id, body: zone && zone !== fileZone ? { timezone: zone } : {} }),
  });
  const nothing = Object.values(preview.counts).every((n) => !n);
  const rejected = preview.rejected ?? 0;

  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="import-preview">
      <p className="text-lg font-medium text-slate-900" data-testid="import-preview-sentence">
        {previewSentence(preview, { userZone, timezone: zone || null, locale })}
      </p>
      <p className="text-sm text-slate-600">
        Detected: {preview.format_label}
        {preview.device ? ` · ${preview.device}` : ""}
        {preview.unit ? ` · values in ${preview.unit}` : ""}
        {preview.estimated ? " · counts estimated from the first part of the file" : ""}.
      </p>
      {rejected > 0 ? (
        <div className="space-y-2">
          <p className="text-sm text-amber-900" data-testid="import-preview-rejected">
            {formatCount(rejected, locale)} {rejected === 1 ? "row" : "rows"} could not be read and will be skipped.
          </p>
          <RejectedRows job={job} locale={locale} />
        </div>
      ) : null}
      {preview.local_times ? (
        <Field
          id="import-timezone"
          label="Time zone of the times in this file"
          hint="This file writes local times without a zone. Pick the zone the device was set to, if it was not this one."
          className="max-w-md space-y-1.5"
        >
          <NativeSelect value={zone} onChange={(e) => setZone(e.target.value)} data-testid="import-timezone">
            {zones.map((z) => (
              <option key={z} value={z}>
                {z}
              </option>
            ))}
          </NativeSelect>
        </Field>
      ) : null}
      {error ? <Alert variant="error">{error}</Alert> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={busy || nothing} data-testid="import-confirm">
          {busy ? "Starting…" : "Import"}
        </Button>
        <CancelButton job={job} onCancelled={onCancelled} />
      </div>
    </form>
  );
}

/** A CSV whose columns the server could not tell: pick the time and glucose columns and the unit. */
export function MappingStep({ job, onCancelled }: { job: ImportJob; onCancelled: () => void }) {
  const start = useStartImport();
  const columns = job.columns ?? [];
  const [timestamp, setTimestamp] = useState("");
  const [value, setValue] = useState("");
  const [unit, setUnit] = useState<Unit>("mg/dL");
  const { onSubmit, busy, error } = useSubmit({
    validate: () => {
      if (!timestamp || !value) return "Choose the time column and the glucose column.";
      if (timestamp === value) return "The time and the glucose value must be different columns.";
      return true;
    },
    run: () => start.mutateAsync({ id: job.id, body: { timestamp_column: timestamp, value_column: value, unit } }),
  });
  const options = (
    <>
      <option value="">Choose a column</option>
      {columns.map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </>
  );
  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="import-mapping">
      <Alert variant="info" title="Which columns hold the readings?">
        {job.error ?? "GlucoLens could not tell the time and glucose columns of this CSV from its header."} Pick them below.
      </Alert>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field id="map-timestamp" label="Time column">
          <NativeSelect value={timestamp} onChange={(e) => setTimestamp(e.target.value)}>
            {options}
          </NativeSelect>
        </Field>
        <Field id="map-value" label="Glucose column">
          <NativeSelect value={value} onChange={(e) => setValue(e.target.value)}>
            {options}
          </NativeSelect>
        </Field>
        <Field id="map-unit" label="Unit of the values">
          <NativeSelect value={unit} onChange={(e) => setUnit(e.target.value as typeof unit)}>
            <option value="mg/dL">mg/dL</option>
            <option value="mmol/L">mmol/L</option>
          </NativeSelect>
        </Field>
      </div>
      {error ? <Alert variant="error">{error}</Alert> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={busy} data-testid="import-mapping-start">
          {busy ? "Starting…" : "Import"}
        </Button>
        <CancelButton job={job} onCancelled={onCancelled} />
      </div>
    </form>
  );
}

/** The server reads the file (preview) or imports it: a bar, bytes read, and counts per type. */
export function WorkingStep({ job, locale }: { job: ImportJob; locale?: string }) {
  const p = job.progress;
  const label =
    job.status === "previewing" ? "Reading the file to preview it…" : job.status === "queued" ? "Waiting to start…" : "Importing…";
  // A queued job still carries its preview's finished progress; its import has not begun.
  const fresh = job.status === "queued" || p.phase === "waiting";
  return (
    <div className="space-y-3" data-testid="import-progress" aria-live="polite">
      <p className="text-sm font-medium text-slate-800">{label}</p>
      <Progress value={fresh ? 0 : p.fraction * 100} label="Import progress" />
      <p className="text-xs text-slate-500" data-testid="import-progress-caption">
        {fresh ? `${formatFraction(0)} of ${formatBytes(job.size_bytes, locale)}` : progressCaption(p, locale)}
      </p>
      {job.status === "running" ? <ProgressTable progress={p} locale={locale} /> : null}
      <p className="text-xs text-slate-500">You can leave this page; the import goes on, and this page picks it up when you come back.</p>
    </div>
  );
}
