"use client";
import { useMemo, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect } from "@/components/ui/input";
import { useUpdateProfile } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import { listTimeZones } from "@/lib/time";
import type { Unit } from "@/lib/units";
import { formatGlucose, glucoseInputProps, mgdlToUnit, unitToMgdl } from "@/lib/units";

const show = (mgdl: number, unit: Unit) => formatGlucose(mgdlToUnit(mgdl, unit), unit);

export function ProfileForm() {
  const user = useUser();
  const updateProfile = useUpdateProfile();
  const zones = useMemo(() => {
    const all = listTimeZones();
    return all.includes(user.timezone) ? all : [user.timezone, ...all];
  }, [user.timezone]);
  const [displayName, setDisplayName] = useState(user.display_name ?? "");
  const [unit, setUnit] = useState<Unit>(user.unit);
  const [timezone, setTimezone] = useState(user.timezone);
  const [low, setLow] = useState(show(user.target_low_mgdl, user.unit));
  const [high, setHigh] = useState(show(user.target_high_mgdl, user.unit));

  function changeUnit(next: Unit) {
    // Keep the entered targets, converted into the newly chosen unit.
    const conv = (v: string) =>
      Number.isFinite(Number(v)) && v !== "" ? formatGlucose(mgdlToUnit(unitToMgdl(Number(v), unit), next), next) : v;
    setLow(conv(low));
    setHigh(conv(high));
    setUnit(next);
  }

  const lowMgdl = Math.round(unitToMgdl(Number(low), unit));
  const highMgdl = Math.round(unitToMgdl(Number(high), unit));
  const {
    onSubmit,
    busy,
    error,
    done: saved,
  } = useSubmit({
    validate: () => {
      if (!Number.isFinite(lowMgdl) || !Number.isFinite(highMgdl) || low === "" || high === "") return "Enter both target values.";
      if (lowMgdl >= highMgdl) return "The lower target must be below the upper target.";
      return true;
    },
    run: () =>
      updateProfile.mutateAsync({
        display_name: displayName.trim() || null,
        unit,
        timezone,
        target_low_mgdl: lowMgdl,
        target_high_mgdl: highMgdl,
      }),
  });

  const bounds = glucoseInputProps(unit);
  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="display-name" label="Display name">
          <Input autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
        </Field>
        <Field id="email" label="Email" hint="Contact your administrator to change it.">
          <Input value={user.email} disabled readOnly />
        </Field>
        <Field id="unit" label="Glucose unit">
          <NativeSelect value={unit} onChange={(e) => changeUnit(e.target.value as Unit)} data-testid="unit-select">
            <option value="mg/dL">mg/dL</option>
            <option value="mmol/L">mmol/L</option>
          </NativeSelect>
        </Field>
        <Field id="timezone" label="Time zone" hint="Used for daily summaries and all times shown.">
          <NativeSelect value={timezone} onChange={(e) => setTimezone(e.target.value)}>
            {zones.map((z) => (
              <option key={z} value={z}>
                {z.replace(/_/g, " ")}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field id="target-low" label={`Target range low (${unit})`} hint={`Consensus default ${show(70, unit)} ${unit}`}>
          <Input
            type="number"
            inputMode="decimal"
            step={bounds.step}
            min={bounds.min}
            max={bounds.max}
            value={low}
            onChange={(e) => setLow(e.target.value)}
          />
        </Field>
        <Field id="target-high" label={`Target range high (${unit})`} hint={`Consensus default ${show(180, unit)} ${unit}`}>
          <Input
            type="number"
            inputMode="decimal"
            step={bounds.step}
            min={bounds.min}
            max={bounds.max}
            value={high}
            onChange={(e) => setHigh(e.target.value)}
          />
        </Field>
      </div>
      {error ? <Alert variant="error">{error}</Alert> : null}
      {saved ? <Alert variant="success">Profile saved.</Alert> : null}
      <Button type="submit" disabled={busy} data-testid="save-profile">
        {busy ? "Saving…" : "Save profile"}
      </Button>
    </form>
  );
}
