"use client";
import { ArrowDown, ArrowUp, GripVertical } from "lucide-react";
import { useState } from "react";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useDataSources, useSaveSourcePriority, useSourcePriority } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { humanError } from "@/lib/errors";
import { sourceLabel } from "@/lib/sources";
import { cn } from "@/lib/utils";

/** `order` with the item at `from` moved to `to`. */
export function moveItem<T>(order: T[], from: number, to: number): T[] {
  if (from === to || from < 0 || to < 0 || from >= order.length || to >= order.length) return order;
  const next = [...order];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item);
  return next;
}

function PriorityList({
  saved,
  isDefault,
  readings,
  justSaved,
  onSaved,
}: {
  saved: string[];
  isDefault: boolean;
  /** Glucose readings per source (from GET /data/sources), so the list says which ones hold data. */
  readings: Record<string, number> | undefined;
  /** Set by the card: this list is remounted with the saved order, which would forget a "Saved" of its own. */
  justSaved: boolean;
  onSaved: () => void;
}) {
  const save = useSaveSourcePriority();
  const [order, setOrder] = useState(saved);
  const [dragging, setDragging] = useState<number | null>(null);
  const changed = order.join("\n") !== saved.join("\n");
  const { onSubmit, busy, error } = useSubmit({
    run: async () => {
      await save.mutateAsync(order);
      onSaved();
    },
  });
  const move = (from: number, to: number) => setOrder((o) => moveItem(o, from, to));

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <ol className="max-w-md space-y-1.5" data-testid="source-priority">
        {order.map((source, i) => (
          <li
            key={source}
            draggable
            onDragStart={() => setDragging(i)}
            onDragOver={(e) => {
              e.preventDefault();
              if (dragging !== null && dragging !== i) {
                move(dragging, i);
                setDragging(i);
              }
            }}
            onDragEnd={() => setDragging(null)}
            className={cn(
              "flex items-center gap-2 rounded-lg border border-slate-200 bg-white px-2 py-1.5",
              dragging === i && "border-brand-600 bg-brand-50",
            )}
            data-testid={`priority-${source}`}
          >
            <GripVertical aria-hidden className="size-4 shrink-0 cursor-grab text-slate-400" />
            <span className="w-5 text-right text-xs tabular-nums text-slate-500">{i + 1}.</span>
            <span className="min-w-0 flex-1 truncate text-sm font-medium text-slate-800">
              {sourceLabel(source)}
              {readings ? (
                <span className="ml-2 text-xs font-normal text-slate-500">
                  {readings[source] ? `${readings[source].toLocaleString("en")} readings` : "no readings"}
                </span>
              ) : null}
            </span>
            <Button
              size="icon"
              variant="ghost"
              className="size-8"
              disabled={i === 0}
              onClick={() => move(i, i - 1)}
              aria-label={`Move ${sourceLabel(source)} up`}
            >
              <ArrowUp aria-hidden />
            </Button>
            <Button
              size="icon"
              variant="ghost"
              className="size-8"
              disabled={i === order.length - 1}
              onClick={() => move(i, i + 1)}
              aria-label={`Move ${sourceLabel(source)} down`}
            >
              <ArrowDown aria-hidden />
            </Button>
          </li>
        ))}
      </ol>
      {isDefault && !changed ? <p className="text-xs text-slate-500">This is the default order; you have not changed it.</p> : null}
      {error ? <Alert variant="error">{error}</Alert> : null}
      {save.isError && !error ? <Alert variant="error">{humanError(save.error)}</Alert> : null}
      {justSaved && !changed ? (
        <p className="text-sm text-green-800" role="status" data-testid="priority-saved">
          Saved. Readings from two sources now follow this order.
        </p>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={!changed || busy} data-testid="priority-save">
          {busy ? "Saving…" : "Save order"}
        </Button>
        {changed ? (
          <Button variant="ghost" onClick={() => setOrder(saved)}>
            Undo changes
          </Button>
        ) : !isDefault ? (
          <Button
            variant="ghost"
            disabled={busy || save.isPending}
            onClick={() => save.mutate(null, { onSuccess: onSaved })}
            data-testid="priority-reset"
          >
            Back to the default order
          </Button>
        ) : null}
      </div>
    </form>
  );
}

export function SourcePriorityCard() {
  const priority = useSourcePriority();
  const sources = useDataSources();
  const readings = sources.data ? Object.fromEntries(sources.data.sources.map((s) => [s.source, s.counts.glucose])) : undefined;
  const [justSaved, setJustSaved] = useState(false);
  return (
    <Card>
      <CardHeader>
        <CardTitle>Source priority</CardTitle>
        <CardDescription>
          When the same reading arrives from two sources, GlucoLens keeps the one higher in this list. Drag a source, or use the arrows.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {priority.isPending ? (
          <Skeleton className="h-24" label="Loading the source order" />
        ) : priority.isError ? (
          <QueryError error={priority.error} onRetry={() => priority.refetch()} />
        ) : priority.data.order.length === 0 ? (
          <p className="text-sm text-slate-500">No sources yet. Import a file or add readings, and their sources appear here.</p>
        ) : (
          <PriorityList
            key={priority.data.order.join("\n")}
            saved={priority.data.order}
            isDefault={priority.data.default}
            readings={readings}
            justSaved={justSaved}
            onSaved={() => setJustSaved(true)}
          />
        )}
      </CardContent>
    </Card>
  );
}
