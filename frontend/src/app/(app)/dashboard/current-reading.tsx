"use client";
import { QueryError } from "@/components/query-state";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useLatestReadings } from "@/hooks/queries";
import { useClock } from "@/hooks/use-clock";
import { ConnectionIndicator } from "@/components/alerts/connection-indicator";
import { useRealtimeStore } from "@/lib/realtime-store";
import type { ReadingMessage } from "@/lib/realtime";
import { formatAge, formatDateTime, formatElapsed, formatTime } from "@/lib/time";
import { parseTrend } from "@/lib/trend";
import type { GlucoseReading } from "@/lib/api-types";
import type { Unit } from "@/lib/units";
import { bandOf, formatGlucose, formatGlucoseChange, mgdlToUnit } from "@/lib/units";

/**
 * After this long without a reading the value is not current: the tile greys it and says for how
 * long there has been no data. Ten minutes is the alert engine's stale guard (no glucose alert
 * from an older reading, docs/alerts.md): a CGM sends every 5 minutes, so this is one missed reading.
 */
export const STALE_MS = 10 * 60000;
/** A previous reading further back than this is not "the change since the last reading". */
const CHANGE_WINDOW_MS = 30 * 60000;

/** What the tile shows of a reading: from the readings query, or from the live channel. */
interface Shown {
  timestamp: string;
  value_mgdl: number;
  trend: string | null | undefined;
  flag?: GlucoseReading["flag"];
}

function fromLive(r: ReadingMessage): Shown {
  return { timestamp: r.ts, value_mgdl: r.value_mgdl, trend: r.trend, flag: (r.flag ?? null) as GlucoseReading["flag"] };
}

/** The newest reading and the one before it: a live reading newer than the query's wins at once. */
export function pickShown(query: GlucoseReading[], live: ReadingMessage | null): [Shown | undefined, Shown | undefined] {
  const [first, second] = query;
  if (live && (!first || Date.parse(live.ts) > Date.parse(first.timestamp))) return [fromLive(live), first];
  return [first, second];
}

function Change({ latest, previous, unit, zone }: { latest: Shown; previous: Shown | undefined; unit: Unit; zone: string }) {
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

/** The latest reading, its trend arrow, the change since the one before and its age; live over the WebSocket. */
export function CurrentReading({ unit, zone }: { unit: Unit; zone: string }) {
  const latest = useLatestReadings();
  const live = useRealtimeStore((s) => s.lastReading);
  const now = useClock(15_000);
  const [shown, previous] = pickShown(latest.data ?? [], live);

  return (
    <Card data-testid="current-reading">
      <CardHeader className="flex flex-row items-center justify-between gap-2 pb-1">
        <CardTitle>Current reading</CardTitle>
        <CardDescription className="sr-only">The newest glucose reading and how it is changing.</CardDescription>
        <ConnectionIndicator />
      </CardHeader>
      <CardContent>
        {shown ? (
          <Reading latest={shown} previous={previous} unit={unit} zone={zone} now={now} />
        ) : latest.isPending ? (
          <Skeleton className="h-20" label="Loading the latest reading" />
        ) : latest.isError ? (
          <QueryError error={latest.error} onRetry={() => latest.refetch()} />
        ) : (
          <p className="text-sm text-slate-500">No readings yet.</p>
        )}
      </CardContent>
    </Card>
  );
}

function Reading({
  latest,
  previous,
  unit,
  zone,
  now,
}: {
  latest: Shown;
  previous: Shown | undefined;
  unit: Unit;
  zone: string;
  now: number;
}) {
  const value = mgdlToUnit(latest.value_mgdl, unit);
  const band = bandOf(latest.value_mgdl);
  const trend = parseTrend(latest.trend);
  const ageMs = now - Date.parse(latest.timestamp);
  const stale = ageMs > STALE_MS;
  const valueText = `${formatGlucose(value, unit)} ${unit}`;
  // Announced when it changes (aria-live): the value and trend, or that there is no current value.
  // The age is left out: it ticks every minute and would be read out each time.
  const announced = stale
    ? `No current glucose reading. The last one, ${valueText}, was at ${formatTime(latest.timestamp, zone)}.`
    : `${valueText}, ${band.label.toLowerCase()}${trend ? `, ${trend.label.toLowerCase()}` : ""}`;

  return (
    <div className="flex flex-wrap items-end gap-x-5 gap-y-2" data-stale={stale ? "true" : undefined}>
      <p className="sr-only" role="status" aria-live="polite" aria-atomic="true" data-testid="current-announce">
        {announced}
      </p>
      <div className="flex items-center gap-3">
        <span
          aria-hidden
          className="inline-block h-12 w-1.5 rounded-full"
          style={{ backgroundColor: stale ? "var(--color-slate-300)" : band.color }}
        />
        <p
          className={
            stale
              ? "text-5xl font-semibold tracking-tight text-slate-500 tabular-nums"
              : "text-5xl font-semibold tracking-tight text-slate-900 tabular-nums"
          }
        >
          <span data-testid="current-value">{formatGlucose(value, unit)}</span>
          <span className="ml-1 text-base font-normal text-slate-500">{unit}</span>
        </p>
        {trend && !stale ? (
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
        {stale ? (
          <p className="font-semibold text-slate-800" data-testid="current-stale">
            No data for {formatElapsed(ageMs)}
          </p>
        ) : (
          <p>
            {band.label}
            {trend ? ` · ${trend.label}` : ""}
            {latest.flag ? ` · ${latest.flag === "low" ? "below" : "above"} the sensor's range` : ""}
          </p>
        )}
        {stale ? (
          <p>Last reading {valueText}; not current.</p>
        ) : (
          <p>
            <Change latest={latest} previous={previous} unit={unit} zone={zone} />
          </p>
        )}
        <p data-testid="current-age">
          {formatAge(ageMs)} · {formatDateTime(latest.timestamp, zone)}
        </p>
      </div>
    </div>
  );
}
