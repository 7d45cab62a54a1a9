"use client";
import { Pencil, Trash2 } from "lucide-react";
import { useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { LoadDemoButton, RemoveDemoData } from "@/components/demo-data";
import { LoadMore } from "@/components/load-more";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { useRecordList, useRecordMutations } from "@/hooks/queries";
import { useUser } from "@/hooks/use-user";
import { sourceLabel } from "@/lib/sources";
import { formatDateTime } from "@/lib/time";
import { parseTrend } from "@/lib/trend";
import type { GlucoseReading } from "@/lib/api-types";
import { formatGlucose, mgdlToUnit } from "@/lib/units";
import { errorMessage } from "@/lib/utils";
import { CsvUpload } from "./csv-upload";
import { ReadingForm } from "./reading-form";

function RecentReadings() {
  const user = useUser();
  const list = useRecordList("glucose", 20);
  const { remove } = useRecordMutations("glucose");
  const [error, setError] = useState<string | null>(null);
  const [editing, setEditing] = useState<GlucoseReading | null>(null);

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
        <table className="w-full text-left text-sm" data-testid="readings-table">
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-2 py-2 font-medium">
                Time
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Value
              </th>
              <th scope="col" className="hidden px-2 py-2 font-medium sm:table-cell">
                Source
              </th>
              <th scope="col" className="px-2 py-2">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {list.items.map((r) => {
              const when = formatDateTime(r.timestamp, user.zone);
              const trend = parseTrend(r.trend);
              return (
                <tr key={r.id}>
                  <td className="px-2 py-1.5">{when}</td>
                  <td className="px-2 py-1.5 font-medium">
                    {formatGlucose(mgdlToUnit(r.value_mgdl, user.unit), user.unit)}{" "}
                    <span className="font-normal text-slate-500">{user.unit}</span>
                    {trend ? (
                      <span className="ml-1 text-slate-600" title={trend.label}>
                        {trend.arrow}
                      </span>
                    ) : null}
                    {r.flag ? (
                      <Badge variant="warning" className="ml-2">
                        {r.flag === "low" ? "Below sensor range" : "Above sensor range"}
                      </Badge>
                    ) : null}
                    <KindBadges reading={r} />
                  </td>
                  <td className="hidden px-2 py-1.5 text-slate-500 sm:table-cell">{r.device ?? sourceLabel(r.source)}</td>
                  <td className="whitespace-nowrap px-2 py-1 text-right">
                    <Button size="icon" variant="ghost" aria-label={`Edit reading at ${when}`} onClick={() => setEditing(r)}>
                      <Pencil aria-hidden />
                    </Button>
                    <Button size="icon" variant="ghost" aria-label={`Delete reading at ${when}`} onClick={() => onDelete(r)}>
                      <Trash2 aria-hidden className="text-red-600" />
                    </Button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <LoadMore list={list} />
      <Dialog open={editing !== null} onOpenChange={(open) => !open && setEditing(null)}>
        {editing ? (
          <DialogContent title="Edit reading">
            <ReadingForm reading={editing} onDone={() => setEditing(null)} />
          </DialogContent>
        ) : null}
      </Dialog>
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
            <ReadingForm />
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
            Adds 90 days of realistic glucose, insulin, sleep, meal and activity data, to explore the insights. It is kept as its own source
            (“demo”) and can be removed again; loading it twice adds nothing new.
          </CardDescription>
        </CardHeader>
        <CardContent className="flex flex-wrap items-start gap-4">
          <LoadDemoButton variant="secondary" />
          <RemoveDemoData />
        </CardContent>
      </Card>
    </div>
  );
}

/** Fingersticks and Libre scans are kept apart from the CGM stream; a copy of a reading that
 * also came from a higher-priority source is kept but not counted twice. */
export function KindBadges({ reading }: { reading: GlucoseReading }) {
  return (
    <>
      {reading.kind === "meter" ? (
        <Badge className="ml-2" title="A fingerstick: shown and exported, not part of the CGM statistics">
          Fingerstick
        </Badge>
      ) : null}
      {reading.kind === "scan" ? (
        <Badge className="ml-2" title="A Libre scan: shown and exported, the 15-minute history is what the statistics use">
          Scan
        </Badge>
      ) : null}
      {reading.duplicate_of !== null ? (
        <Badge
          className="ml-2"
          title="The same reading also came from a source higher in your source priority; that copy is the one counted"
        >
          Copy
        </Badge>
      ) : null}
    </>
  );
}
