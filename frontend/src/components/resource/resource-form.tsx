"use client";
import { useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect } from "@/components/ui/input";
import { errorMessage } from "@/lib/utils";
import { bodyFromValues, fieldErrorsFromApi, type FieldDef, type FormValues } from "./fields";

export function ResourceForm({
  fields,
  initial,
  zone,
  mode,
  submitLabel,
  onSubmit,
  onDone,
  freshValues,
  conflict,
}: {
  fields: FieldDef[];
  initial: FormValues;
  /** Create mode: the values to start over with after a save (e.g. the time back to now). */
  freshValues?: () => FormValues;
  /** What a 409 means here, in words. */
  conflict?: string;
  zone: string;
  mode: "create" | "update";
  submitLabel: string;
  onSubmit: (body: Record<string, unknown>) => Promise<unknown>;
  onDone?: () => void;
}) {
  const uid = useId();
  const [values, setValues] = useState<FormValues>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setSaved(false);
    const { body, errors: local } = bodyFromValues(fields, values, zone, mode);
    setErrors(local);
    if (Object.keys(local).length) return;
    setBusy(true);
    setFormError(null);
    try {
      await onSubmit(body);
      setSaved(true);
      if (mode === "create") setValues(freshValues ? freshValues() : initial);
      onDone?.();
    } catch (err) {
      setErrors(fieldErrorsFromApi(err, fields));
      const fieldLabels = Object.fromEntries(fields.map((f) => [f.name, f.label]));
      setFormError(errorMessage(err, { conflict, fieldLabels }));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        {fields.map((f) => {
          const id = `${uid}-${f.name}`;
          const common = {
            value: values[f.name] ?? "",
            required: f.required,
            onChange: (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
              setValues((v) => ({ ...v, [f.name]: e.target.value })),
          };
          return (
            <Field
              key={f.name}
              id={id}
              label={`${f.label}${f.required ? "" : " (optional)"}`}
              hint={f.hint}
              error={errors[f.name]}
              className={`space-y-1.5 ${f.wide ? "sm:col-span-2" : ""}`}
            >
              {f.kind === "select" ? (
                <NativeSelect {...common}>
                  <option value="">{f.required ? "Choose…" : "—"}</option>
                  {f.options?.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </NativeSelect>
              ) : (
                <Input
                  {...common}
                  type={f.kind === "datetime" ? "datetime-local" : f.kind === "number" ? "number" : "text"}
                  inputMode={f.kind === "number" ? "decimal" : undefined}
                  min={f.min}
                  max={f.max}
                  step={f.step}
                  list={f.suggestions ? `${id}-list` : undefined}
                />
              )}
            </Field>
          );
        })}
        {fields
          .filter((f) => f.suggestions)
          .map((f) => (
            <datalist key={f.name} id={`${uid}-${f.name}-list`}>
              {f.suggestions!.map((s) => (
                <option key={s} value={s} />
              ))}
            </datalist>
          ))}
      </div>
      {formError ? <Alert variant="error">{formError}</Alert> : null}
      {saved && mode === "create" ? <Alert variant="success">Saved.</Alert> : null}
      <Button type="submit" disabled={busy}>
        {busy ? "Saving…" : submitLabel}
      </Button>
    </form>
  );
}
