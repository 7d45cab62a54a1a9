"use client";
import { QueryError } from "@/components/query-state";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useLatestReadings } from "@/hooks/queries";
import { useClock } from "@/hooks/use-clock";
import { formatAge, formatDateTime, formatTime } from "@/lib/time";
import { parseTrend } from "@/lib/trend";
import type { GlucoseReading } from "@/lib/api-types";
import type { Unit } from "@/lib/units";
import { bandOf, formatGlucose, formatGlucoseChange, mgdlToUnit } from "@/lib/units";

/** After this long without a reading the value is flagged as old (CGMs send every 5 minutes). */
const STALE_MS = 15 * 60000;
/** A previous reading further back than this is not "the change since the last reading". */
const CHANGE_WINDOW_MS = 30 * 60000;

function Change({
  latest,
  previous,
  unit,
  zone,
}: {
  latest: GlucoseReading;
  previous: GlucoseReading | undefined;
  unit: Unit;
  zone: string;
}) {
  if (!previous) return <span>First reading</span>;
  const gapMs = Date.parse(latest.timestamp) - Date.parse(previous.timestamp);
  const delta = formatGlucoseChange(mgdlToUnit(latest.value_mgdl - previous.value_mgdl, unit), unit);
  const gapMin = Math.round(gapMs / 60000);
  if (gapMs > CHANGE_WINDOW_MS) {
    return (
      <span>
        {delta} {unit} since the previous reading at {formatDateTime(previous.timestamp, zone)}
      </span>
    );
  }
  return (
    <span>
      <span className="font-medium text-slate-800" data-testid="current-change">
        {delta} {unit}
      </span>{" "}
      in {gapMin} min (since {formatTime(previous.timestamp, zone)})
    </span>
  );
}

/** The latest reading, its trend arrow, the change since the one before and its age. */
export function CurrentReading({ unit, zone }: { unit: Unit; zone: string }) {
  const latest = useLatestReadings();
  const now = useClock();

  return (
    <Card data-testid="current-reading">
      <CardHeader className="pb-1">
        <CardTitle>Current reading</CardTitle>
        <CardDescription className="sr-only">The newest glucose reading and how it is changing.</CardDescription>
      </CardHeader>
      <CardContent>
        {latest.isPending ? (
          <Skeleton className="h-20" label="Loading the latest reading" />
        ) : latest.isError ? (
          <QueryError error={latest.error} onRetry={() => latest.refetch()} />
        ) : latest.data.length === 0 ? (
          <p className="text-sm text-slate-500">No readings yet.</p>
        ) : (
          <Reading readings={latest.data} unit={unit} zone={zone} now={now} />
        )}
      </CardContent>
    </Card>
  );
}

function Reading({ readings, unit, zone, now }: { readings: GlucoseReading[]; unit: Unit; zone: string; now: number }) {
  const [latest, previous] = readings;
  const value = mgdlToUnit(latest.value_mgdl, unit);
  const band = bandOf(latest.value_mgdl);
  const trend = parseTrend(latest.trend);
  const ageMs = now - Date.parse(latest.timestamp);
  const stale = ageMs > STALE_MS;
  const spoken = `${formatGlucose(value, unit)} ${unit}, ${band.label.toLowerCase()}${trend ? `, ${trend.label.toLowerCase()}` : ""}, ${formatAge(ageMs)}`;

  return (
    <div className="flex flex-wrap items-end gap-x-5 gap-y-2" aria-label={`Current reading: ${spoken}`} role="group">
      <div className="flex items-center gap-3">
        <span className="inline-block h-12 w-1.5 rounded-full" style={{ backgroundColor: band.color }} aria-hidden />
        <p className="text-5xl font-semibold tracking-tight text-slate-900 tabular-nums">
          <span data-testid="current-value">{formatGlucose(value, unit)}</span>
          <span className="ml-1 text-base font-normal text-slate-500">{unit}</span>
        </p>
        {trend ? (
          <span
            className="text-4xl leading-none text-slate-800"
            title={trend.label}
            data-testid="current-trend"
            aria-label={trend.label}
            role="img"
          >
            {trend.arrow}
          </span>
        ) : null}
      </div>
      <div className="space-y-0.5 pb-1 text-sm text-slate-600">
        <p>
          {band.label}
          {trend ? ` · ${trend.label}` : ""}
          {latest.flag ? ` · ${latest.flag === "low" ? "below" : "above"} the sensor's range` : ""}
        </p>
        <p>
          <Change latest={latest} previous={previous} unit={unit} zone={zone} />
        </p>
        <p className={stale ? "font-medium text-amber-800" : undefined} data-testid="current-age">
          {formatAge(ageMs)} · {formatDateTime(latest.timestamp, zone)}
          {stale ? " · no newer reading" : ""}
        </p>
      </div>
    </div>
  );
}
