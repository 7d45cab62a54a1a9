"use client";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { NativeSelect } from "@/components/ui/input";
import { useCancelSnooze, useSnooze, useSnoozes } from "@/hooks/queries/alerts";
import { alertCodesToWords, kindLabel } from "@/lib/alerts";
import type { AlertConfig, SnoozeIn } from "@/lib/api-types";
import { formatDateTime } from "@/lib/time";
import { errorMessage } from "@/lib/utils";

type Kind = SnoozeIn["kinds"][number];
const LENGTHS = [15, 30, 60, 120, 240, 480, 720];

/** The longest snooze the chosen kinds allow together (urgent low: 30 min). */
export function snoozeLimit(config: AlertConfig, kinds: string[]): number {
  const limits = config.kinds.filter((k) => kinds.includes(k.kind)).map((k) => k.max_snooze_min);
  return limits.length ? Math.min(...limits) : Math.max(...config.kinds.map((k) => k.max_snooze_min));
}

/** Active snoozes (cancellable) and a new one for chosen kinds; a snooze silences only what it names. */
export function Snoozes({ config }: { config: AlertConfig }) {
  const active = useSnoozes();
  const snooze = useSnooze();
  const cancel = useCancelSnooze();
  const [kinds, setKinds] = useState<Kind[]>([]);
  const [minutes, setMinutes] = useState("60");
  const [error, setError] = useState<string | null>(null);
  const zone = config.settings.timezone;
  const limit = snoozeLimit(config, kinds);
  const lengths = LENGTHS.filter((m) => m <= limit);
  const chosen = Math.min(Number(minutes), limit);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    if (kinds.length === 0) {
      setError("Choose at least one kind to snooze.");
      return;
    }
    try {
      await snooze.mutateAsync({ kinds, minutes: chosen });
      setKinds([]);
    } catch (err) {
      setError(alertCodesToWords(errorMessage(err)));
    }
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>Snooze</CardTitle>
        <CardDescription>
          A snooze silences only the kinds you pick: snoozing high never silences a low, and a drop to urgent low ends any low snooze.
          Urgent low can be snoozed for at most 30 minutes.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {active.data && active.data.length > 0 ? (
          <ul className="space-y-2" data-testid="snoozes-active">
            {active.data.map((s) => (
              <li key={s.id} className="flex flex-wrap items-center justify-between gap-2 rounded-md border border-slate-200 p-2 text-sm">
                <span>
                  {s.kinds.map(kindLabel).join(", ")} snoozed until {formatDateTime(s.until, zone)}
                </span>
                <Button size="sm" variant="secondary" onClick={() => cancel.mutate(s.id)} disabled={cancel.isPending}>
                  Cancel snooze
                </Button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-slate-500">Nothing is snoozed.</p>
        )}
        <form className="space-y-3" onSubmit={submit}>
          <fieldset className="flex flex-wrap gap-x-4 gap-y-1">
            <legend className="mb-1 text-sm font-medium text-slate-800">Kinds</legend>
            {config.kinds.map((k) => (
              <label key={k.kind} className="flex items-center gap-2 text-sm text-slate-700">
                <input
                  type="checkbox"
                  checked={kinds.includes(k.kind as Kind)}
                  onChange={(e) => setKinds((ks) => (e.target.checked ? [...ks, k.kind as Kind] : ks.filter((x) => x !== k.kind)))}
                />
                {kindLabel(k.kind)}
              </label>
            ))}
          </fieldset>
          <div className="flex flex-wrap items-end gap-3">
            <label className="space-y-1 text-sm">
              <span className="block text-slate-700">For</span>
              <NativeSelect value={String(chosen)} onChange={(e) => setMinutes(e.target.value)}>
                {lengths.map((m) => (
                  <option key={m} value={m}>
                    {m < 60 ? `${m} min` : `${m / 60} h`}
                  </option>
                ))}
              </NativeSelect>
            </label>
            <Button type="submit" size="sm" variant="secondary" disabled={snooze.isPending}>
              Snooze
            </Button>
          </div>
          {error ? (
            <p className="text-sm text-red-700" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      </CardContent>
    </Card>
  );
}
