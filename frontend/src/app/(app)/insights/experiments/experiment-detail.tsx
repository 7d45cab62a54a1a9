"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { Skeleton } from "@/components/ui/skeleton";
import { useDeleteExperiment, useExperiment, useStopExperiment, type Experiment, type ExperimentResult } from "@/hooks/queries/experiments";
import { formatDay, intervalPositions, STATUS_LABEL, verdictBadge } from "@/lib/experiments";
import { errorMessage } from "@/lib/utils";
import { DayPanel, ExperimentCalendar } from "./experiment-calendar";

/** The difference and its 95% interval on a line with zero marked: the picture of the verdict. */
function IntervalBar({ result, unit }: { result: ExperimentResult; unit: string }) {
  if (result.ci_low === null || result.ci_high === null || result.difference === null) return null;
  const p = intervalPositions(result.ci_low, result.ci_high, result.difference);
  return (
    <figure
      className="space-y-1"
      aria-label={`Difference ${result.difference} ${unit}, 95% interval ${result.ci_low} to ${result.ci_high}`}
    >
      <div className="relative h-8">
        <div className="absolute top-1/2 h-px w-full bg-slate-300" />
        <div className="absolute top-1 h-6 w-px bg-slate-500" style={{ left: `${p.zero}%` }} />
        <div
          className="absolute top-1/2 h-2 -translate-y-1/2 rounded-full bg-brand-500/60"
          style={{ left: `${p.low}%`, width: `${Math.max(p.high - p.low, 0.5)}%` }}
        />
        <div
          className="absolute top-1/2 size-3 -translate-x-1/2 -translate-y-1/2 rounded-full bg-brand-700"
          style={{ left: `${p.estimate}%` }}
        />
      </div>
      <figcaption className="flex justify-between text-xs text-slate-500">
        <span>lower on intervention days</span>
        <span>0</span>
        <span>higher</span>
      </figcaption>
    </figure>
  );
}

function ResultCard({ exp }: { exp: Experiment }) {
  const r = exp.result;
  const badge = verdictBadge(r);
  return (
    <Card>
      <CardHeader>
        <div className="flex flex-wrap items-center justify-between gap-2">
          <CardTitle>{r.final ? "Result" : "Result so far"}</CardTitle>
          <Badge variant={badge.tone} data-testid="verdict-badge">
            {badge.label}
          </Badge>
        </div>
        <CardDescription>
          {exp.outcome_label}, intervention days minus baseline days ({exp.unit === "%" ? "percentage points" : exp.unit})
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        <p className="text-base text-slate-900" data-testid="verdict">
          {r.verdict}
        </p>
        <IntervalBar result={r} unit={exp.unit} />
        <p className="text-xs text-slate-500">
          {r.pairs_used} pairs of blocks measured ({r.intervention_days} intervention and {r.baseline_days} baseline days with data); at
          least {r.min_pairs} are needed. {r.method}
        </p>
        {exp.adherence.note ? <Alert variant="warning">{exp.adherence.note}</Alert> : null}
      </CardContent>
    </Card>
  );
}

function TodayCard({ exp }: { exp: Experiment }) {
  const day = exp.days.find((d) => d.when === "today");
  return (
    <Card>
      <CardHeader>
        <CardTitle>Today, {formatDay(exp.today.date)}</CardTitle>
      </CardHeader>
      <CardContent className="space-y-3">
        <p
          className={
            exp.today.assignment === "intervention" ? "text-base font-medium text-brand-700" : "text-base font-medium text-slate-800"
          }
          data-testid="today-instruction"
        >
          {exp.today.instruction}
        </p>
        {day ? <DayPanel exp={exp} day={day} unit={exp.unit} /> : null}
      </CardContent>
    </Card>
  );
}

function Actions({ exp }: { exp: Experiment }) {
  const router = useRouter();
  const stop = useStopExperiment(exp.id);
  const remove = useDeleteExperiment();
  const [asking, setAsking] = useState<"stop" | "delete" | null>(null);
  const active = exp.status === "running" || exp.status === "scheduled" || (exp.status === "complete" && exp.ended_at === null);
  return (
    <>
      {active ? (
        <Button variant="secondary" onClick={() => setAsking("stop")} data-testid="stop-experiment">
          {exp.status === "complete" ? "Finish" : "Stop"}
        </Button>
      ) : null}
      <Button variant="ghost" onClick={() => setAsking("delete")}>
        Delete
      </Button>
      <ConfirmDialog
        open={asking === "stop"}
        onOpenChange={(o) => setAsking(o ? "stop" : null)}
        title={exp.status === "complete" ? "Finish this experiment?" : "Stop this experiment early?"}
        confirmLabel={exp.status === "complete" ? "Finish" : "Stop"}
        busyLabel="Stopping…"
        busy={stop.isPending}
        error={stop.isError ? errorMessage(stop.error) : null}
        onConfirm={() => stop.mutate(undefined, { onSuccess: () => setAsking(null) })}
        testId="stop-dialog"
      >
        <p>
          The days up to yesterday count and the result becomes final.{" "}
          {exp.status === "complete" ? "" : "Stopping because of how the result looks makes a false finding more likely."}
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={asking === "delete"}
        onOpenChange={(o) => setAsking(o ? "delete" : null)}
        title="Delete this experiment?"
        confirmLabel="Delete"
        busyLabel="Deleting…"
        busy={remove.isPending}
        error={remove.isError ? errorMessage(remove.error) : null}
        onConfirm={() => remove.mutate(exp.id, { onSuccess: () => router.push("/insights/experiments/") })}
      >
        <p>The schedule, your day marks and the result are deleted. Your glucose readings stay.</p>
      </ConfirmDialog>
    </>
  );
}

export function ExperimentDetail() {
  const id = useSearchParams().get("id");
  const query = useExperiment(id);
  if (!id) {
    return (
      <Alert variant="info" title="No experiment chosen">
        <Link href="/insights/experiments/" className="underline">
          Back to your experiments
        </Link>
      </Alert>
    );
  }
  if (query.isPending) return <Skeleton className="h-64 w-full" label="Loading experiment" />;
  if (query.isError) return <QueryError error={query.error} onRetry={() => query.refetch()} />;
  const exp = query.data;
  const running = exp.status === "running" || exp.status === "scheduled";
  return (
    <div className="space-y-6">
      <PageHeader
        title={exp.title}
        description={
          <>
            {exp.intervention} · {exp.outcome_label} · {STATUS_LABEL[exp.status] ?? exp.status}
          </>
        }
        actions={<Actions exp={exp} />}
      />
      <div className="flex items-center gap-3">
        <Progress value={(100 * exp.days_done) / exp.planned_days} label={`${exp.days_done} of ${exp.planned_days} days done`} />
        <span className="shrink-0 text-xs text-slate-600">
          {exp.days_done} of {exp.planned_days} days
        </span>
      </div>
      <div className="grid gap-6 lg:grid-cols-2">
        {running ? <TodayCard exp={exp} /> : null}
        <ResultCard exp={exp} />
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>Schedule</CardTitle>
            <CardDescription>
              {formatDay(exp.start_date)} to {formatDay(exp.end_date)} ({exp.timezone}), blocks of {exp.block_days} days. In each pair of
              blocks one is intervention and one baseline, in an order drawn at random.
            </CardDescription>
          </CardHeader>
          <CardContent>
            <ExperimentCalendar exp={exp} />
          </CardContent>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader>
            <CardTitle>The plan</CardTitle>
          </CardHeader>
          <CardContent className="space-y-1 text-sm text-slate-700">
            <p>{exp.plan.message}</p>
            <p className="text-xs text-slate-500">{exp.plan.noise.note}</p>
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
