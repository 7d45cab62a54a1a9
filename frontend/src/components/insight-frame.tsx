"use client";
import type { UseQueryResult } from "@tanstack/react-query";
import { Hourglass, RefreshCw, SearchX } from "lucide-react";
import { jobPercent, useRecompute } from "@/hooks/queries";
import { useClock } from "@/hooks/use-clock";
import { useUser } from "@/hooks/use-user";
import { formatDateTime } from "@/lib/time";
import type { Insight } from "@/lib/insight-payloads";
import type { Job } from "@/lib/api-types";
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
      {running && job.data ? <p className="max-w-56 text-right text-xs text-slate-500">{jobStepText(job.data)}</p> : null}
      {start.isError ? <p className="text-xs text-red-700">{errorMessage(start.error)}</p> : null}
      {failure ? <p className="text-xs text-red-700">{failure}</p> : null}
    </div>
  );
}

/** The job's steps in the order it runs them (backend insights/pipeline.py STEPS), in words. */
const JOB_STEPS: Record<string, string> = {
  correlations: "correlating habits with glucose",
  causal_graph: "looking for links between days (causal graph)",
  recurring_patterns: "finding recurring patterns",
  anomalies: "looking for unusual periods",
  predictions: "fitting the forecast model",
};
const STEP_ORDER = Object.keys(JOB_STEPS);

export function jobStepText(job: Job | undefined): string | null {
  if (!job) return null;
  if (job.status === "queued") return "Waiting for a free worker";
  const i = job.step ? STEP_ORDER.indexOf(job.step) : -1;
  if (i < 0) return job.status === "running" ? "Starting" : null;
  return `Step ${i + 1} of ${STEP_ORDER.length}: ${JOB_STEPS[job.step as string]}`;
}

function Pending({ job }: { job: Job | undefined }) {
  const pct = jobPercent(job);
  const now = useClock(1000);
  const since = job?.started_at ?? job?.created_at;
  const elapsed = since ? Math.max(0, Math.round((now - Date.parse(since)) / 1000)) : null;
  const step = jobStepText(job);
  return (
    <Card>
      <CardContent className="flex flex-col items-center gap-3 py-10 text-center" role="status" aria-live="polite">
        <Hourglass className="size-8 animate-pulse text-brand-600" aria-hidden />
        <p className="font-medium">Crunching your data…</p>
        <p className="max-w-md text-sm text-slate-500" data-testid="job-duration-note">
          The analysis runs in the background. With 90 days of data it took 10 seconds on an idle 2-core server and 30 seconds on a busy
          one; more data or a busier server takes longer. The page updates by itself.
        </p>
        <Progress value={pct ?? 2} label="Analysis progress" className="w-64" />
        <p className="text-xs text-slate-500" data-testid="job-progress">
          {step ?? "Starting"}
          {pct !== null ? ` · ${Math.round(pct)}%` : ""}
          {elapsed !== null ? ` · ${elapsed} s so far` : ""}
        </p>
      </CardContent>
    </Card>
  );
}

export function InsufficientData({ reason }: { reason?: string | null }) {
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
  insight: UseQueryResult<Insight<T>>;
  job: UseQueryResult<Job>;
  children: (data: T) => React.ReactNode;
  skeletonHeight?: string;
}) {
  const user = useUser();
  if (insight.isPending) return <Skeleton className={`${skeletonHeight} w-full`} label="Loading insight" />;
  if (insight.isError) return <QueryError error={insight.error} onRetry={() => insight.refetch()} />;
  const env = insight.data;
  if (job.data?.status === "failed")
    return (
      <Alert variant="error" title="The analysis failed">
        Something went wrong while computing it. Try again with Recompute.
      </Alert>
    );
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
