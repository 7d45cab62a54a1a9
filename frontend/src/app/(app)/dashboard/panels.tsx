"use client";
import type { UseQueryResult } from "@tanstack/react-query";
import { AgpChart } from "@/components/charts/agp-chart";
import { SeriesChart } from "@/components/charts/series-chart";
import { TirBar, TirLegend } from "@/components/charts/tir-bar";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import { formatDateTime } from "@/lib/time";
import type { AgpResponse, DashboardSummary, SeriesResponse, SummaryWindow } from "@/lib/api-types";
import { asUnit, formatGlucose, formatPct } from "@/lib/units";

function SufficiencyBadge({ w }: { w: SummaryWindow }) {
  return w.sufficient_data ? (
    <Badge variant="success" title="At least 14 days and 70% sensor wear (2019 international consensus)">
      Sufficient data
    </Badge>
  ) : (
    <Badge variant="warning" title="The 2019 consensus asks for at least 14 days and 70% sensor wear">
      Limited data: needs ≥14 days and ≥70% wear
    </Badge>
  );
}

/** Time in ranges for the chosen period: the headline TIR, the stacked bar and a legend naming the window. */
export function TimeInRangeCard({
  window: w,
  summary,
  periodText,
}: {
  window: SummaryWindow;
  summary: DashboardSummary;
  periodText: string;
}) {
  const unit = asUnit(summary.unit);
  return (
    <Card data-testid="tir-card">
      <CardHeader className="flex-row items-start justify-between gap-3 pb-2">
        <div>
          <CardTitle>Time in range</CardTitle>
          <CardDescription>
            {formatGlucose(summary.target_low, unit)}–{formatGlucose(summary.target_high, unit)} {unit}; consensus goal over 70%
          </CardDescription>
        </div>
        <p
          className={`text-3xl font-semibold tabular-nums ${(w.bands.in_range_pct ?? 0) < 70 ? "text-amber-800" : "text-slate-900"}`}
          data-testid="stat-tir"
        >
          {formatPct(w.bands.in_range_pct)}
        </p>
      </CardHeader>
      <CardContent className="space-y-3">
        <TirBar bands={w.bands} unit={unit} label={periodText} bare />
        <TirLegend unit={unit} bands={w.bands} caption={`Share of readings in each range, ${periodText}`} />
      </CardContent>
    </Card>
  );
}

function StatCard({
  label,
  value,
  testId,
  note,
  tone,
}: {
  label: string;
  value: React.ReactNode;
  testId: string;
  note: React.ReactNode;
  tone?: "ok" | "warn";
}) {
  return (
    <Card>
      <CardHeader className="pb-1">
        <CardDescription>{label}</CardDescription>
      </CardHeader>
      <CardContent>
        <p className="text-2xl font-semibold text-slate-900" data-testid={testId}>
          {value}
        </p>
        <p className={`mt-1 text-xs ${tone === "warn" ? "text-amber-700" : "text-slate-500"}`}>{note}</p>
      </CardContent>
    </Card>
  );
}

export function KeyMetrics({ window: w, summary, periodText }: { window: SummaryWindow; summary: DashboardSummary; periodText: string }) {
  const unit = asUnit(summary.unit);
  const cvHigh = w.cv_pct !== null && w.cv_pct > 36;
  return (
    <section aria-labelledby="stats-heading" className="space-y-3">
      <div className="flex flex-wrap items-center gap-2">
        <h2 id="stats-heading" className="text-base font-semibold text-slate-900">
          Key metrics
        </h2>
        <SufficiencyBadge w={w} />
      </div>
      <div className="grid grid-cols-2 gap-4 lg:grid-cols-4">
        <StatCard
          label="Mean glucose"
          testId="stat-mean"
          value={
            <>
              {formatGlucose(w.mean, unit)} <span className="text-sm font-normal text-slate-500">{unit}</span>
            </>
          }
          note={w.sd !== null ? `SD ${formatGlucose(w.sd, unit)} ${unit}` : "Not enough data"}
        />
        <StatCard label="GMI (estimated A1c)" testId="stat-gmi" value={formatPct(w.gmi_pct, 1)} note="Glucose management indicator" />
        <StatCard
          label="Coefficient of variation"
          testId="stat-cv"
          value={formatPct(w.cv_pct, 1)}
          note={w.cv_pct === null ? "Not enough data" : cvHigh ? "Above 36%: glucose is variable" : "At or below 36%: stable"}
          tone={cvHigh ? "warn" : "ok"}
        />
        <StatCard
          label="Sensor wear"
          testId="stat-wear"
          value={formatPct(w.wear_pct)}
          note={`${w.reading_count.toLocaleString("en")} of ${w.expected_count.toLocaleString("en")} expected readings`}
          tone={w.wear_pct === null || w.wear_pct < 70 ? "warn" : "ok"}
        />
      </div>
      <p className="text-xs text-slate-500">
        {periodText} · {w.days_with_data} of {w.days} days with data
      </p>
    </section>
  );
}

export function SeriesCard({
  series,
  span,
  onSpan,
  allowWeek,
  startMs,
  endMs,
  zone,
  targetLow,
  targetHigh,
}: {
  series: UseQueryResult<SeriesResponse>;
  span: "24h" | "7d";
  onSpan: (s: "24h" | "7d") => void;
  allowWeek: boolean;
  startMs: number;
  endMs: number;
  zone: string;
  targetLow: number;
  targetHigh: number;
}) {
  const spanText = span === "24h" ? "24 hours" : "7 days";
  return (
    <Card>
      <CardHeader className="flex-row flex-wrap items-center justify-between gap-3">
        <div>
          <CardTitle>Readings</CardTitle>
          <CardDescription>
            The last {spanText} of the period, to {formatDateTime(endMs, zone)}. Shaded band: your target range.
          </CardDescription>
        </div>
        {allowWeek ? (
          <Segmented
            label="Time span"
            value={span}
            onChange={onSpan}
            options={[
              { value: "24h", label: "24 hours" },
              { value: "7d", label: "7 days" },
            ]}
          />
        ) : null}
      </CardHeader>
      <CardContent>
        {series.isPending ? (
          <Skeleton className="h-60" label="Loading readings" />
        ) : series.isError ? (
          <QueryError error={series.error} onRetry={() => series.refetch()} />
        ) : series.data.points.length === 0 ? (
          <Alert>No readings in these {spanText}. Choose another period above.</Alert>
        ) : (
          <SeriesChart
            points={series.data.points}
            bucketS={series.data.bucket_s}
            unit={asUnit(series.data.unit)}
            targetLow={targetLow}
            targetHigh={targetHigh}
            startMs={startMs}
            endMs={endMs}
            timeZone={zone}
            label={`Glucose over ${spanText} to ${formatDateTime(endMs, zone)}`}
          />
        )}
      </CardContent>
    </Card>
  );
}

export function AgpCard({
  agp,
  zone,
  targetLow,
  targetHigh,
}: {
  agp: UseQueryResult<AgpResponse>;
  zone: string;
  targetLow: number;
  targetHigh: number;
}) {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Daily profile (AGP)</CardTitle>
        <CardDescription>
          {agp.data ? `${agp.data.days} days` : "The period"} overlaid on one day, times in {zone}.
        </CardDescription>
      </CardHeader>
      <CardContent>
        {agp.isPending ? (
          <Skeleton className="h-64" label="Loading daily profile" />
        ) : agp.isError ? (
          <QueryError error={agp.error} onRetry={() => agp.refetch()} />
        ) : (
          <AgpChart bins={agp.data.bins} unit={asUnit(agp.data.unit)} targetLow={targetLow} targetHigh={targetHigh} days={agp.data.days} />
        )}
      </CardContent>
    </Card>
  );
}
