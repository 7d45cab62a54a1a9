"use client";
import { Trash2 } from "lucide-react";
import { useState } from "react";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useDataSources, useDeleteData, useDeletionPreview, type DeletionScope } from "@/hooks/queries";
import { useUser } from "@/hooks/use-user";
import { humanError } from "@/lib/errors";
import { addDays } from "@/lib/period";
import { deletionSentence, describeCounts, sourceLabel, totalCount } from "@/lib/sources";
import { zonedLocalToIso } from "@/lib/time";

/**
 * The scope the form describes: days are whole local days in the user's zone, from the first
 * day's midnight to the midnight after the last day. A sentence when the choice is incomplete.
 */
export function deletionScope(source: string, from: string, to: string, zone: string): DeletionScope | string {
  if (!source && !from && !to) return "Choose a source, a date range, or both.";
  if (from && to && from > to) return "The first day must be before the last day.";
  const scope: DeletionScope = {};
  if (source) scope.source = source;
  if (from) scope.start = zonedLocalToIso(`${from}T00:00`, zone);
  if (to) scope.end = zonedLocalToIso(`${addDays(to, 1)}T00:00`, zone);
  return scope;
}

function Preview({ scope, onDeleted, onCancel }: { scope: DeletionScope; onDeleted: (sentence: string) => void; onCancel: () => void }) {
  const preview = useDeletionPreview(scope);
  const remove = useDeleteData();
  if (preview.isPending) return <Skeleton className="h-16" label="Counting what this deletes" />;
  if (preview.isError)
    return <QueryError error={preview.error} onRetry={() => preview.refetch()} title="Could not count what this deletes" />;
  const nothing = totalCount(preview.data) === 0;
  return (
    <div className="space-y-3 rounded-lg border border-red-200 bg-red-50 p-4" data-testid="deletion-preview">
      <p className="text-sm font-medium text-red-900" data-testid="deletion-sentence">
        {deletionSentence(preview.data)}
      </p>
      {!nothing ? (
        <p className="text-xs text-red-900/80">Statistics and insights are recomputed without them. This cannot be undone.</p>
      ) : null}
      {remove.isError ? <Alert variant="error">{humanError(remove.error)}</Alert> : null}
      <div className="flex flex-wrap gap-2">
        {!nothing ? (
          <Button
            variant="destructive"
            disabled={remove.isPending}
            data-testid="deletion-confirm"
            onClick={() => remove.mutate(scope, { onSuccess: (r) => onDeleted(`Deleted ${describeCounts(r.deleted)}.`) })}
          >
            <Trash2 aria-hidden /> {remove.isPending ? "Deleting…" : "Delete"}
          </Button>
        ) : null}
        <Button variant="secondary" onClick={onCancel} disabled={remove.isPending}>
          Cancel
        </Button>
      </div>
    </div>
  );
}

/** Delete by source, by date range, or both: choose, see the counts, then confirm. */
export function DeleteDataCard() {
  const user = useUser();
  const sources = useDataSources();
  const [source, setSource] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [scope, setScope] = useState<DeletionScope | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);

  const change = (set: (v: string) => void) => (e: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) => {
    set(e.target.value);
    setScope(null);
    setResult(null);
  };

  function onSubmit(e: React.FormEvent) {
    e.preventDefault();
    const next = deletionScope(source, from, to, user.zone);
    setResult(null);
    if (typeof next === "string") {
      setProblem(next);
      setScope(null);
    } else {
      setProblem(null);
      setScope(next);
    }
  }

  const names = (sources.data?.sources ?? []).filter((s) => totalCount(s.counts) > 0).map((s) => s.source);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Delete data</CardTitle>
        <CardDescription>
          Delete what came from one source, what falls in a date range (whole days in {user.zone}), or both. You see what would be deleted
          before anything is.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <form onSubmit={onSubmit} className="space-y-4" data-testid="delete-data-form">
          <div className="grid gap-4 sm:grid-cols-3">
            <Field id="delete-source" label="Source">
              <NativeSelect value={source} onChange={change(setSource)}>
                <option value="">Every source</option>
                {names.map((s) => (
                  <option key={s} value={s}>
                    {sourceLabel(s)}
                  </option>
                ))}
              </NativeSelect>
            </Field>
            <Field id="delete-from" label="From (first day)">
              <Input type="date" value={from} onChange={change(setFrom)} />
            </Field>
            <Field id="delete-to" label="To (last day)">
              <Input type="date" value={to} onChange={change(setTo)} />
            </Field>
          </div>
          {sources.isError ? (
            <QueryError error={sources.error} onRetry={() => sources.refetch()} title="Could not load your sources" />
          ) : null}
          {problem ? <Alert variant="error">{problem}</Alert> : null}
          {!scope ? (
            <Button type="submit" variant="secondary" data-testid="deletion-check">
              Show what this deletes
            </Button>
          ) : null}
        </form>
        {scope ? (
          <Preview
            scope={scope}
            onCancel={() => setScope(null)}
            onDeleted={(sentence) => {
              setScope(null);
              setResult(sentence);
            }}
          />
        ) : null}
        {result ? (
          <Alert variant="success">
            <span data-testid="deletion-done">{result}</span>
          </Alert>
        ) : null}
      </CardContent>
    </Card>
  );
}
