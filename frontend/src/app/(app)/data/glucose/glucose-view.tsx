"use client";
import { Trash2 } from "lucide-react";
import { useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useLoadDemo } from "@/hooks/queries";
import { useCursorList, useResourceMutations } from "@/hooks/use-cursor-list";
import { useUser } from "@/hooks/use-user";
import { formatDateTime, isoToZonedLocal, zonedLocalToIso } from "@/lib/time";
import type { GlucoseReading } from "@/lib/types";
import { formatGlucose, glucoseInputProps } from "@/lib/units";
import { errorMessage } from "@/lib/utils";
import { CsvUpload } from "./csv-upload";
import { LoadMore } from "@/components/load-more";

function ManualEntry() {
  const user = useUser();
  const { create } = useResourceMutations<GlucoseReading>("glucose");
  const [value, setValue] = useState("");
  const [when, setWhen] = useState(() => isoToZonedLocal(new Date(), user.zone));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const bounds = glucoseInputProps(user.unit);

  async function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    setSaved(null);
    const n = Number(value);
    if (!value || !Number.isFinite(n) || n < bounds.min || n > bounds.max) {
      return setError(`Enter a value between ${bounds.min} and ${bounds.max} ${user.unit}.`);
    }
    setError(null);
    try {
      const timestamp = zonedLocalToIso(when, user.zone);
      const r = await create.mutateAsync({ timestamp, value: n, unit: user.unit, source: "manual" });
      const saved = r as GlucoseReading;
      setSaved(`Saved ${formatGlucose(saved.value, saved.unit, true)} at ${formatDateTime(saved.timestamp, user.zone)}.`);
      setValue("");
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id="glucose-value" label={`Glucose (${user.unit})`}>
          <Input type="number" inputMode="decimal" required step={bounds.step} min={bounds.min} max={bounds.max} value={value} onChange={(e) => setValue(e.target.value)} />
        </Field>
        <Field id="glucose-time" label="Time" hint={`In ${user.zone}`}>
          <Input type="datetime-local" required value={when} onChange={(e) => setWhen(e.target.value)} />
        </Field>
      </div>
      {error ? <Alert variant="error">{error}</Alert> : null}
      {saved ? <Alert variant="success">{saved}</Alert> : null}
      <Button type="submit" disabled={create.isPending}>
        {create.isPending ? "Saving…" : "Add reading"}
      </Button>
    </form>
  );
}

function RecentReadings() {
  const user = useUser();
  const list = useCursorList<GlucoseReading>("glucose", 20);
  const { remove } = useResourceMutations<GlucoseReading>("glucose");
  const [error, setError] = useState<string | null>(null);

  async function onDelete(r: GlucoseReading) {
    if (!window.confirm("Delete this reading? This cannot be undone.")) return;
    setError(null);
    try {
      await remove.mutateAsync(r.id);
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  if (list.isPending) return <Skeleton className="h-40" label="Loading readings" />;
  if (list.isError) return <QueryError error={list.error} onRetry={() => list.refetch()} />;
  if (list.items.length === 0)
    return <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">No readings yet.</p>;

  return (
    <div className="space-y-3">
      {error ? <Alert variant="error">{error}</Alert> : null}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm">
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-2 py-2 font-medium">Time</th>
              <th scope="col" className="px-2 py-2 font-medium">Value</th>
              <th scope="col" className="hidden px-2 py-2 font-medium sm:table-cell">Source</th>
              <th scope="col" className="px-2 py-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {list.items.map((r) => (
              <tr key={r.id}>
                <td className="px-2 py-1.5">{formatDateTime(r.timestamp, user.zone)}</td>
                <td className="px-2 py-1.5 font-medium">
                  {formatGlucose(r.value, r.unit)} <span className="font-normal text-slate-500">{r.unit}</span>
                  {r.flag ? (
                    <Badge variant="warning" className="ml-2">
                      {r.flag === "low" ? "Below sensor range" : "Above sensor range"}
                    </Badge>
                  ) : null}
                </td>
                <td className="hidden px-2 py-1.5 text-slate-500 sm:table-cell">{r.device ?? r.source}</td>
                <td className="px-2 py-1 text-right">
                  <Button size="icon" variant="ghost" aria-label={`Delete reading at ${formatDateTime(r.timestamp, user.zone)}`} onClick={() => onDelete(r)}>
                    <Trash2 aria-hidden className="text-red-600" />
                  </Button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <LoadMore list={list} />
    </div>
  );
}

function DemoData() {
  const demo = useLoadDemo();
  const counts = demo.data;
  return (
    <div className="flex flex-wrap items-center gap-3">
      <Button variant="secondary" onClick={() => demo.mutate()} disabled={demo.isPending} data-testid="load-demo">
        {demo.isPending ? "Loading demo data…" : "Load demo data"}
      </Button>
      {counts ? (
        <p className="text-sm text-green-800" role="status" data-testid="demo-loaded">
          Demo data loaded: {Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(", ")}.
        </p>
      ) : null}
      {demo.isError ? <Alert variant="error">{errorMessage(demo.error)}</Alert> : null}
    </div>
  );
}

export function GlucoseView() {
  return (
    <div className="space-y-6">
      <PageHeader title="Glucose" description="Add readings by hand or import a CSV export from your meter or CGM." />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader>
            <CardTitle>Add a reading</CardTitle>
            <CardDescription>For finger-stick checks or missed sensor data.</CardDescription>
          </CardHeader>
          <CardContent>
            <ManualEntry />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Import CSV</CardTitle>
            <CardDescription>Bulk upload many readings at once.</CardDescription>
          </CardHeader>
          <CardContent>
            <CsvUpload />
          </CardContent>
        </Card>
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Recent readings</CardTitle>
        </CardHeader>
        <CardContent>
          <RecentReadings />
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Demo data</CardTitle>
          <CardDescription>
            Adds 90 days of realistic glucose, sleep, meal and activity data to your account, to explore the insights. Running it again adds
            nothing new.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <DemoData />
        </CardContent>
      </Card>
    </div>
  );
}
