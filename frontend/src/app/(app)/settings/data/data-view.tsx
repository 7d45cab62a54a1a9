"use client";
import { Upload } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { DeleteSourceButton } from "@/components/delete-source";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useDataSources } from "@/hooks/queries";
import { describeCounts, sourceLabel, totalCount } from "@/lib/sources";
import type { SourceDeleted, SourceKind } from "@/lib/api-types";
import { DeleteAccountCard } from "./delete-account";
import { DeleteDataCard } from "./delete-data";
import { ExportCard } from "./export-card";
import { ReportCard } from "./report-card";
import { SourcePriorityCard } from "./source-priority";

const COLUMNS: { kind: SourceKind; label: string }[] = [
  { kind: "glucose", label: "Glucose" },
  { kind: "insulin", label: "Insulin" },
  { kind: "sleep", label: "Sleep" },
  { kind: "meals", label: "Meals" },
  { kind: "activities", label: "Activities" },
];

export function DataView() {
  const sources = useDataSources();
  const [deleted, setDeleted] = useState<SourceDeleted | null>(null);
  const rows = (sources.data?.sources ?? []).filter((s) => totalCount(s.counts) > 0);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Your data"
        description="Where your data came from; import, export and reports; which source wins when two send the same reading; and deleting data or the account."
        actions={
          <Button variant="secondary" asChild>
            <Link href="/data/import/" data-testid="settings-import">
              <Upload aria-hidden /> Import a file
            </Link>
          </Button>
        }
      />
      <Card>
        <CardHeader>
          <CardTitle>Sources</CardTitle>
          <CardDescription>
            Each row counts the entries one source added: demo data, entries made by hand, imported files, or an app using an API key.
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-4">
          {deleted ? (
            <Alert variant="success">
              <span data-testid="source-deleted">
                Deleted {describeCounts(deleted.deleted)} from {sourceLabel(deleted.source)}.
              </span>
            </Alert>
          ) : null}
          {sources.isPending ? (
            <Skeleton className="h-24" label="Loading your data sources" />
          ) : sources.isError ? (
            <QueryError error={sources.error} onRetry={() => sources.refetch()} />
          ) : rows.length === 0 ? (
            <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
              Your account has no data yet.
            </p>
          ) : (
            <div className="overflow-x-auto">
              <table className="w-full text-left text-sm" data-testid="sources-table">
                <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    <th scope="col" className="px-2 py-2 font-medium">
                      Source
                    </th>
                    {COLUMNS.map((c) => (
                      <th key={c.kind} scope="col" className="hidden px-2 py-2 text-right font-medium sm:table-cell">
                        {c.label}
                      </th>
                    ))}
                    <th scope="col" className="px-2 py-2">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {rows.map((s) => (
                    <tr key={s.source} data-testid={`source-${s.source}`}>
                      <td className="px-2 py-2">
                        <p className="font-medium text-slate-900">{sourceLabel(s.source)}</p>
                        <p className="text-xs text-slate-500 sm:hidden">{describeCounts(s.counts)}</p>
                      </td>
                      {COLUMNS.map((c) => (
                        <td key={c.kind} className="hidden px-2 py-2 text-right tabular-nums sm:table-cell">
                          {s.counts[c.kind].toLocaleString("en")}
                        </td>
                      ))}
                      <td className="px-2 py-2 text-right">
                        <DeleteSourceButton
                          source={s.source}
                          counts={s.counts}
                          label="Delete all"
                          testId={`delete-source-${s.source}`}
                          onDeleted={setDeleted}
                        />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </CardContent>
      </Card>
      <ExportCard />
      <ReportCard />
      <SourcePriorityCard />
      <DeleteDataCard />
      <DeleteAccountCard />
    </div>
  );
}
