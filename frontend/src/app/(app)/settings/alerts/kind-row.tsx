"use client";
import { useState } from "react";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useSaveAlertConfig } from "@/hooks/queries/alerts";
import { alertCodesToWords, errorField, KIND_HELP, kindLabel, severityLabel, thresholdStep, type AlertKind } from "@/lib/alerts";
import { ApiError } from "@/lib/api";
import type { AlertKindConfig, AlertKindConfigIn } from "@/lib/api-types";
import type { Unit } from "@/lib/units";
import { errorMessage } from "@/lib/utils";

/** A stored number at its input's step ("3.1", "55", "0.11"), so the field shows what people type. */
export function atStep(value: number | null | undefined, step: string): string {
  if (value === null || value === undefined) return "";
  const decimals = step.includes(".") ? step.split(".")[1].length : 0;
  return String(Number(value.toFixed(decimals)));
}

interface Draft {
  enabled: boolean;
  threshold: string;
  repeat: string;
  persist: string;
  urgentAfter: string;
}

function draftOf(cfg: AlertKindConfig, step: string): Draft {
  const urgentAfter = cfg.options?.urgent_after_min;
  return {
    enabled: cfg.enabled,
    threshold: atStep(cfg.threshold, step),
    repeat: cfg.repeat_min === null ? "" : String(cfg.repeat_min),
    persist: cfg.persist_min ? String(cfg.persist_min) : "",
    urgentAfter: typeof urgentAfter === "number" ? String(urgentAfter) : "",
  };
}

/** Only what changed goes to the server: an untouched rounded threshold must not move the stored mg/dL. */
export function changes(cfg: AlertKindConfig, start: Draft, now: Draft): AlertKindConfigIn | string {
  const body: AlertKindConfigIn = { kind: cfg.kind as AlertKind };
  if (now.enabled !== start.enabled) body.enabled = now.enabled;
  if (now.threshold !== start.threshold) {
    const v = Number(now.threshold);
    if (now.threshold.trim() === "" || !Number.isFinite(v)) return "Enter a number for the threshold.";
    body.threshold = v;
  }
  if (now.repeat !== start.repeat) {
    const v = Number(now.repeat);
    if (!Number.isInteger(v) || v < 1) return "Repeat every: enter whole minutes (at least 1).";
    body.repeat_min = v;
  }
  if (now.persist !== start.persist) {
    const v = now.persist.trim() === "" ? 0 : Number(now.persist);
    if (!Number.isInteger(v) || v < 0) return "Must persist: enter whole minutes, or leave it empty for at once.";
    body.persist_min = v || null;
  }
  if (now.urgentAfter !== start.urgentAfter) {
    const v = Number(now.urgentAfter);
    if (!Number.isInteger(v) || v < 1) return "Urgent after: enter whole minutes.";
    body.urgent_after_min = v;
  }
  return body;
}

/** One alert kind: on/off, threshold in the user's unit, repeat, persist; saved on its own. */
export function KindRow({ cfg, unit }: { cfg: AlertKindConfig; unit: Unit }) {
  const step = thresholdStep(cfg.kind, unit);
  const [start, setStart] = useState(() => draftOf(cfg, step));
  const [draft, setDraft] = useState(start);
  const [error, setError] = useState<{ text: string; field: string | null } | null>(null);
  const [saved, setSaved] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const save = useSaveAlertConfig();
  const id = `kind-${cfg.kind}`;
  const dirty = JSON.stringify(draft) !== JSON.stringify(start);
  const label = kindLabel(cfg.kind);

  function set<K extends keyof Draft>(key: K, value: Draft[K]) {
    setDraft((d) => ({ ...d, [key]: value }));
    setSaved(false);
  }

  async function submit(confirmed: boolean) {
    setError(null);
    setSaved(false);
    const body = changes(cfg, start, draft);
    if (typeof body === "string") {
      setError({ text: body, field: null });
      return;
    }
    if (cfg.confirm_to_disable && body.enabled === false && !confirmed) {
      setConfirming(true);
      return;
    }
    try {
      const config = await save.mutateAsync({ kinds: [body], confirm_disable_urgent_low: confirmed });
      const fresh = config.kinds.find((k) => k.kind === cfg.kind);
      if (fresh) {
        const next = draftOf(fresh, step);
        setStart(next);
        setDraft(next);
      }
      setConfirming(false);
      setSaved(true);
    } catch (e) {
      setConfirming(false);
      const detail = e instanceof ApiError ? errorField(e.details[0]?.field) : null;
      setError({ text: alertCodesToWords(errorMessage(e)), field: detail?.field ?? null });
    }
  }

  const fieldError = (name: string) => (error && error.field === name ? error.text : null);
  const bounds = cfg.bounds ? `${atStep(cfg.bounds.min, step)}–${atStep(cfg.bounds.max, step)} ${cfg.threshold_unit}` : null;

  return (
    <form
      // The server checks bounds and order and says what is wrong in words; the browser's own
      // bubbles would say less ("Value must be less than or equal to 6.1").
      noValidate
      className="space-y-3 border-b border-slate-200 py-4 last:border-0"
      data-testid={id}
      onSubmit={(e) => {
        e.preventDefault();
        void submit(false);
      }}
    >
      <div className="flex flex-wrap items-center gap-3">
        <label className="flex items-center gap-2 font-medium text-slate-900">
          <input
            type="checkbox"
            role="switch"
            aria-checked={draft.enabled}
            className="size-4 accent-brand-600"
            checked={draft.enabled}
            onChange={(e) => set("enabled", e.target.checked)}
            data-testid={`${id}-enabled`}
          />
          {label}
        </label>
        <Badge variant={cfg.severity === "urgent" ? "danger" : cfg.severity === "warning" ? "warning" : "info"}>
          {severityLabel(cfg.severity)}
        </Badge>
        {!cfg.quiet_allowed ? <span className="text-xs text-slate-500">Never silenced by quiet hours or mute</span> : null}
      </div>
      <p className="text-sm text-slate-600">{KIND_HELP[cfg.kind as AlertKind] ?? ""}</p>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        {cfg.threshold_unit ? (
          <Field id={`${id}-threshold`} label={`Threshold (${cfg.threshold_unit})`} hint={bounds} error={fieldError("threshold")}>
            <Input
              type="number"
              inputMode="decimal"
              step={step}
              min={cfg.bounds?.min}
              max={cfg.bounds?.max}
              value={draft.threshold}
              onChange={(e) => set("threshold", e.target.value)}
              data-testid={`${id}-threshold`}
            />
          </Field>
        ) : null}
        {cfg.repeat_bounds ? (
          <Field
            id={`${id}-repeat`}
            label="Repeat every (min)"
            hint={`${cfg.repeat_bounds.min}–${cfg.repeat_bounds.max} min while open and not acknowledged`}
            error={fieldError("repeat_min")}
          >
            <Input
              type="number"
              inputMode="numeric"
              step="1"
              min={cfg.repeat_bounds.min}
              max={cfg.repeat_bounds.max}
              value={draft.repeat}
              onChange={(e) => set("repeat", e.target.value)}
            />
          </Field>
        ) : null}
        {cfg.persists ? (
          <Field id={`${id}-persist`} label="Must persist (min)" hint="Empty: alert at once" error={fieldError("persist_min")}>
            <Input
              type="number"
              inputMode="numeric"
              step="1"
              min={0}
              value={draft.persist}
              onChange={(e) => set("persist", e.target.value)}
            />
          </Field>
        ) : null}
        {cfg.kind === "stale_data" ? (
          <Field id={`${id}-urgent-after`} label="Urgent after (min)" error={fieldError("urgent_after_min")}>
            <Input
              type="number"
              inputMode="numeric"
              step="1"
              min={1}
              value={draft.urgentAfter}
              onChange={(e) => set("urgentAfter", e.target.value)}
            />
          </Field>
        ) : null}
      </div>
      {error && !["threshold", "repeat_min", "persist_min", "urgent_after_min"].includes(error.field ?? "") ? (
        <p className="text-sm text-red-700" role="alert">
          {error.text}
        </p>
      ) : null}
      <div className="flex items-center gap-3">
        <Button type="submit" size="sm" disabled={!dirty || save.isPending} data-testid={`${id}-save`}>
          {save.isPending ? "Saving…" : `Save ${label.toLowerCase()}`}
        </Button>
        {saved ? (
          <span className="text-sm text-green-700" role="status" data-testid={`${id}-saved`}>
            Saved.
          </span>
        ) : dirty ? (
          <span className="text-sm text-slate-500">Unsaved changes</span>
        ) : null}
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title="Turn off urgent low alerts?"
        confirmLabel="Turn off urgent low"
        busyLabel="Turning off…"
        busy={save.isPending}
        onConfirm={() => void submit(true)}
        testId="confirm-urgent-low-off"
      >
        <p>
          GlucoLens will no longer alert you, or your emergency contact, when your glucose is dangerously low. Keep your CGM app&apos;s own
          urgent low alarm on.
        </p>
      </ConfirmDialog>
    </form>
  );
}
