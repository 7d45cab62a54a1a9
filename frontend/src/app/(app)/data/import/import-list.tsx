"use client";
import Link from "next/link";
import { QueryError } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Skeleton } from "@/components/ui/skeleton";
import type { ImportJob } from "@/lib/api-types";
import { formatBytes, formatCount, isWaiting, isWorking, progressTotals, statusLabel } from "@/lib/imports";
import { formatDateTime } from "@/lib/time";

function StatusBadge({ job }: { job: ImportJob }) {
  const variant =
    job.status === "done"
      ? "success"
      : job.status === "failed"
        ? "danger"
        : isWorking(job.status) || isWaiting(job.status)
          ? "info"
          : "neutral";
  return <Badge variant={variant}>{job.already_imported ? "Already imported" : statusLabel(job.status)}</Badge>;
}

/** Past imports, newest first; a running or waiting one links back to its page. */
export function ImportList({
  query,
  zone,
  locale,
}: {
  query: { data?: ImportJob[]; isPending: boolean; isError: boolean; error: unknown; refetch: () => unknown };
  zone: string;
  locale?: string;
}) {
  if (query.isPending) return <Skeleton className="h-24" label="Loading past imports" />;
  if (query.isError) return <QueryError error={query.error} onRetry={() => query.refetch()} title="Could not load past imports" />;
  const jobs = query.data ?? [];
  if (jobs.length === 0)
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500" data-testid="imports-empty">
        No imports yet. Files you import appear here.
      </p>
    );
  return (
    <ul className="divide-y divide-slate-100" data-testid="imports-list">
      {jobs.map((job) => {
        const totals = progressTotals(job.progress);
        return (
          <li key={job.id} className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 py-3" data-testid="import-row">
            <div className="min-w-0">
              <Link
                href={`/data/import/?job=${encodeURIComponent(job.id)}`}
                className="block truncate font-medium text-brand-700 hover:underline"
              >
                {job.filename}
              </Link>
              <p className="text-xs text-slate-500">
                {formatDateTime(job.created_at, zone)} · {job.format_label ?? "Format not recognised"} ·{" "}
                {formatBytes(job.size_bytes, locale)}
                {job.status === "done" && !job.already_imported ? ` · ${formatCount(totals.inserted, locale)} added` : ""}
              </p>
            </div>
            <StatusBadge job={job} />
          </li>
        );
      })}
    </ul>
  );
}
