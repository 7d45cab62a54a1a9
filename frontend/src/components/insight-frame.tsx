"use client";
import type { UseQueryResult } from "@tanstack/react-query";
import { Hourglass, RefreshCw, SearchX } from "lucide-react";
import { jobPercent, useRecompute } from "@/hooks/use-insight";
import { useUser } from "@/hooks/use-user";
import { formatDateTime } from "@/lib/time";
import type { InsightEnvelope, Job } from "@/lib/types";
import { errorMessage } from "@/lib/utils";
import { QueryError } from "./query-state";
import { Alert } from "./ui/alert";
import { Button } from "./ui/button";
import { Card, CardContent } from "./ui/card";
import { Progress } from "./ui/progress";
import { Skeleton } from "./ui/skeleton";

export function RecomputeButton() {
  const { start, job, running, failure } = useRecompute();
  const pct = jobPercent(job.data);
  return (
    <div className="flex flex-col items-end gap-1">
      <Button variant="secondary" onClick={() => start.mutate()} disabled={running} data-testid="recompute">
        <RefreshCw aria-hidden className={running ? "animate-spin" : undefined} />
        {running ? "Recomputing…" : "Recompute"}
      </Button>
      {running && pct !== null ? <Progress value={pct} label="Recompute progress" className="w-40" /> : null}
      {start.isError ? <p className="text-xs text-red-700">{errorMessage(start.error)}</p> : null}
      {failure ? <p className="text-xs text-red-700">{failure}</p> : null}
    </div>
  );
}

function Pending({ job }: { job: Job | undefined }) {
  const pct = jobPercent(job);
  return (
    <Card>
      <CardContent className="flex flex-col items-center gap-3 py-10 text-center" role="status" aria-live="polite">
        <Hourglass className="size-8 animate-pulse text-brand-600" aria-hidden />
        <p className="font-medium">Crunching your data…</p>
        <p className="max-w-md text-sm text-slate-500">
          This analysis runs in the background and usually takes a few seconds. The page updates by itself.
        </p>
        <Progress value={pct ?? 10} label="Analysis progress" className="w-64" />
        {job ? (
          <p className="text-xs text-slate-500">
            Status: {job.status}
            {job.step && job.step !== "done" ? ` · ${job.step.replace(/[_-]+/g, " ")}` : ""}
            {pct !== null ? ` · ${Math.round(pct)}%` : ""}
          </p>
        ) : null}
      </CardContent>
    </Card>
  );
}

export function InsufficientData({ reason }: { reason?: string }) {
  return (
    <Card>
      <CardContent className="flex flex-col items-center gap-3 py-10 text-center" data-testid="insufficient-data">
        <SearchX className="size-8 text-slate-400" aria-hidden />
        <p className="font-medium">Not enough data yet</p>
        <p className="max-w-md text-sm text-slate-600">
          {reason || "This insight needs more readings and lifestyle entries before it can say anything reliable."}
        </p>
      </CardContent>
    </Card>
  );
}

/** Renders the loading, pending, insufficient-data and error states of an insight; children get the data. */
export function InsightFrame<T>({
  insight,
  job,
  children,
  skeletonHeight = "h-80",
}: {
  insight: UseQueryResult<InsightEnvelope<T>>;
  job: UseQueryResult<Job>;
  children: (data: T) => React.ReactNode;
  skeletonHeight?: string;
}) {
  const user = useUser();
  if (insight.isPending) return <Skeleton className={`${skeletonHeight} w-full`} label="Loading insight" />;
  if (insight.isError) return <QueryError error={insight.error} onRetry={() => insight.refetch()} />;
  const env = insight.data;
  if (job.data?.status === "failed") return <Alert variant="error" title="The analysis failed">{job.data.error ?? "Try recomputing."}</Alert>;
  if (env.status === "pending") return <Pending job={job.data} />;
  if (env.status === "failed")
    return (
      <Alert variant="error" title="This analysis failed">
        {env.data?.reason ?? "Something went wrong while computing it."} You can try again with Recompute.
      </Alert>
    );
  if (env.status === "insufficient_data" || !env.data) return <InsufficientData reason={env.data?.reason} />;
  return (
    <div className="space-y-3">
      {env.stale ? <Alert variant="info">Showing earlier results while fresh ones are computed.</Alert> : null}
      {children(env.data as T)}
      {env.computed_at ? <p className="text-xs text-slate-500">Computed {formatDateTime(env.computed_at, user.zone)}</p> : null}
    </div>
  );
}

export function prettyName(id: string): string {
  const s = id.replace(/[_-]+/g, " ").trim();
  return s ? s[0].toUpperCase() + s.slice(1) : id;
}
