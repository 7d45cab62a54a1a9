"use client";
import type { UseQueryResult } from "@tanstack/react-query";
import { QueryError } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import type { VariabilityMetric, VariabilityResponse } from "@/lib/api-types";
import { asUnit, formatGlucose } from "@/lib/units";

/** A metric's value as the dashboard prints glucose: whole mg/dL or one-decimal mmol/L; indices to two decimals under 10. */
export function formatMetric(m: VariabilityMetric, glucoseUnit: string): string {
  if (m.value === null) return "—";
  if (m.unit === null) return m.value < 10 ? m.value.toFixed(2) : m.value.toFixed(1);
  return formatGlucose(m.value, asUnit(glucoseUnit));
}

/** Where the value sits against the published range; nothing when there is no value or no range. */
function RangeBadge({ m }: { m: VariabilityMetric }) {
  if (m.value === null || m.reference_high === null) return null;
  if (m.reference_low !== null && m.value < m.reference_low) return <Badge variant="neutral">Below reference</Badge>;
  if (m.value > m.reference_high) return <Badge variant="warning">Above reference</Badge>;
  return <Badge variant="success">Within reference</Badge>;
}

function MetricTile({ m, glucoseUnit }: { m: VariabilityMetric; glucoseUnit: string }) {
  const ok = m.status === "ok";
  return (
    <li className="flex min-w-0 flex-col gap-1 rounded-lg border border-slate-200 p-3" data-testid={`var-${m.key}`}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="text-sm font-medium text-slate-700">{m.label}</span>
        <RangeBadge m={m} />
      </div>
      <p className="text-xl font-semibold tabular-nums text-slate-900" data-testid={`var-${m.key}-value`}>
        {formatMetric(m, glucoseUnit)}
        {ok && m.unit ? <span className="ml-1 text-sm font-normal text-slate-500">{m.unit}</span> : null}
      </p>
      {!ok && m.reason ? (
        <p className="text-xs text-amber-700" data-testid={`var-${m.key}-reason`}>
          Not enough data: {m.reason}
        </p>
      ) : null}
      <p className="text-xs text-slate-600">{m.meaning}</p>
      <p className="break-words text-xs text-slate-500">Reference: {m.reference}</p>
    </li>
  );
}

/** Glycaemic variability for the chosen period: every index with its meaning, reference range and sufficiency. */
export function VariabilityCard({ query, periodText }: { query: UseQueryResult<VariabilityResponse>; periodText: string }) {
  const body = (() => {
    if (query.isPending) return <Skeleton className="h-48" label="Loading variability" />;
    if (query.isError) return <QueryError error={query.error} onRetry={() => query.refetch()} />;
    const v = query.data;
    const none = v.metrics.every((m) => m.status !== "ok");
    return (
      <div className="space-y-3">
        {none ? (
          <p className="rounded-lg bg-slate-50 p-3 text-sm text-slate-700" data-testid="variability-empty">
            Not enough data for variability in this period: most indices need at least one local day with sensor data for 70% of it (
            {v.whole_days} such {v.whole_days === 1 ? "day" : "days"} here).
          </p>
        ) : null}
        <ul className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {v.metrics.map((m) => (
            <MetricTile key={m.key} m={m} glucoseUnit={v.unit} />
          ))}
        </ul>
        <p className="text-xs text-slate-500">
          {periodText} · {v.whole_days} whole {v.whole_days === 1 ? "day" : "days"} (sensor data for 70% of the day) · computed as iglu
          4.3.0 does. Reference ranges describe adults without diabetes; they are not treatment targets.
        </p>
      </div>
    );
  })();
  return (
    <Card data-testid="variability-card">
      <CardHeader className="pb-2">
        <CardTitle>Glucose variability</CardTitle>
        <CardDescription>How much and how fast your glucose swings, and how much your days differ.</CardDescription>
      </CardHeader>
      <CardContent>{body}</CardContent>
    </Card>
  );
}
