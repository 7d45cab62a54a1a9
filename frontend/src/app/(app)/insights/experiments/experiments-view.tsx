"use client";
import { FlaskConical, Plus } from "lucide-react";
import Link from "next/link";
import { PageHeader } from "@/components/app-shell";
import { QueryError } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { Progress } from "@/components/ui/progress";
import { Skeleton } from "@/components/ui/skeleton";
import { useExperiments, type ExperimentSummary } from "@/hooks/queries/experiments";
import { formatDay, STATUS_LABEL } from "@/lib/experiments";

const DESCRIPTION =
  "Test one change on yourself: on some days you do it, on others you don't, in an order drawn at random, and the result says whether it made a difference you can trust.";

function ExperimentRow({ exp }: { exp: ExperimentSummary }) {
  const today =
    exp.today_assignment === "intervention"
      ? "Today: intervention day"
      : exp.today_assignment === "baseline"
        ? "Today: baseline day"
        : null;
  return (
    <li>
      <Link
        href={`/insights/experiments/view/?id=${exp.id}`}
        className="block rounded-lg border border-slate-200 bg-white p-4 hover:bg-slate-50"
        data-testid="experiment-row"
      >
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p className="font-medium text-slate-900">{exp.title}</p>
          <Badge variant={exp.status === "running" ? "info" : "neutral"}>{STATUS_LABEL[exp.status] ?? exp.status}</Badge>
        </div>
        <p className="mt-1 text-sm text-slate-600">
          {exp.intervention} · {exp.outcome_label}
        </p>
        <div className="mt-3 flex items-center gap-3">
          <Progress value={(100 * exp.days_done) / exp.planned_days} label={`${exp.days_done} of ${exp.planned_days} days`} />
          <span className="shrink-0 text-xs text-slate-500">
            {exp.days_done}/{exp.planned_days} days
          </span>
        </div>
        <p className="mt-2 text-xs text-slate-500">
          {formatDay(exp.start_date)} to {formatDay(exp.end_date)}
          {today ? <span className="ml-2 font-medium text-slate-700">{today}</span> : null}
        </p>
      </Link>
    </li>
  );
}

export function ExperimentsView() {
  const list = useExperiments();
  const running = list.data?.some((e) => e.status === "running" || e.status === "scheduled");
  return (
    <div className="space-y-6">
      <PageHeader
        title="Experiments"
        description={DESCRIPTION}
        actions={
          running ? null : (
            <Button asChild>
              <Link href="/insights/experiments/new/" data-testid="new-experiment">
                <Plus aria-hidden /> New experiment
              </Link>
            </Button>
          )
        }
      />
      {list.isPending ? <Skeleton className="h-32 w-full" label="Loading experiments" /> : null}
      {list.isError ? <QueryError error={list.error} onRetry={() => list.refetch()} /> : null}
      {list.data && list.data.length === 0 ? (
        <Card>
          <CardContent className="flex flex-col items-center gap-3 p-8 text-center" data-testid="experiments-empty">
            <FlaskConical className="size-8 text-slate-400" aria-hidden />
            <p className="font-medium text-slate-900">No experiments yet</p>
            <p className="max-w-md text-sm text-slate-600">
              Pick one change, such as a 15-minute walk after dinner, and the glucose measure it should move. We work out how many days you
              need and tell you each day whether it is an intervention day or a baseline day.
            </p>
            <Button asChild>
              <Link href="/insights/experiments/new/">Plan your first experiment</Link>
            </Button>
          </CardContent>
        </Card>
      ) : null}
      {list.data && list.data.length > 0 ? (
        <ul className="space-y-3">
          {list.data.map((exp) => (
            <ExperimentRow key={exp.id} exp={exp} />
          ))}
        </ul>
      ) : null}
      {running ? (
        <p className="text-xs text-slate-500">
          One experiment runs at a time, so that two never share days and blur each other&apos;s result.
        </p>
      ) : null}
    </div>
  );
}
