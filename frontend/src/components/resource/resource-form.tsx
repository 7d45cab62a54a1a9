"use client";
import { useId, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect } from "@/components/ui/input";
import { useSubmit } from "@/hooks/use-submit";
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
  const {
    onSubmit: submit,
    busy,
    error: formError,
    done: saved,
  } = useSubmit({
    validate: () => {
      const local = bodyFromValues(fields, values, zone, mode).errors;
      setErrors(local);
      return Object.keys(local).length === 0;
    },
    run: async () => {
      await onSubmit(bodyFromValues(fields, values, zone, mode).body);
      if (mode === "create") setValues(freshValues ? freshValues() : initial);
      onDone?.();
    },
    errorContext: { conflict, fieldLabels: Object.fromEntries(fields.map((f) => [f.name, f.label])) },
    onError: (err) => setErrors(fieldErrorsFromApi(err, fields)),
  });

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
