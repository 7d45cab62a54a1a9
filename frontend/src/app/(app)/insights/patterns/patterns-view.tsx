"use client";
import { useState } from "react";
import { linearScale } from "@/components/charts/scale";
import { Sparkline } from "@/components/charts/sparkline";
import { useWidth } from "@/components/charts/use-width";
import { InsightCard, InsightPage } from "@/components/insight-page";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useUser } from "@/hooks/use-user";
import { formatDate, formatDateTime, formatDuration, formatShortDate, formatTime, formatWeekdayTime, minuteOfDayLabel } from "@/lib/time";
import type { AnomaliesData, Anomaly, Motif, Novelty, PatternsData } from "@/lib/insight-payloads";
import { motifWhy } from "@/lib/motifs";
import type { Unit } from "@/lib/units";
import { formatGlucose, mgdlToUnit } from "@/lib/units";

/** Motif and anomaly shapes come in mg/dL (the envelope names no unit); show them in the user's unit. */
function shapeRange(values: number[], unit: Unit): string {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return "";
  return `${formatGlucose(mgdlToUnit(Math.min(...finite), unit), unit)}–${formatGlucose(mgdlToUnit(Math.max(...finite), unit), unit)}`;
}

const KIND_BADGE = { low: "danger", spike: "warning", high: "warning" } as const;

function MotifCard({ motif, zone, unit }: { motif: Motif; zone: string; unit: Unit }) {
  const last = motif.occurrences[motif.occurrences.length - 1];
  const typical = motif.typical_hour !== null ? `around ${minuteOfDayLabel(Math.round(motif.typical_hour * 60))}` : "at varying times";
  const why = motifWhy(motif, unit);
  const badge = motif.kind && motif.kind in KIND_BADGE ? KIND_BADGE[motif.kind as keyof typeof KIND_BADGE] : "info";
  const n = motif.occurrences.length;
  const recurred = motif.days
    ? `${n} ${n === 1 ? "time" : "times"} on ${motif.days} ${motif.days === 1 ? "day" : "days"}`
    : `${n} occurrences`;
  return (
    <Card data-testid="motif">
      <CardHeader className="pb-2">
        <CardTitle className="text-sm">{motif.label}</CardTitle>
        <CardDescription>
          {formatDuration(motif.window_minutes)} shape · usually {typical} ({zone})
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-2">
        {why ? (
          <p data-testid="motif-why" className="text-sm text-slate-700">
            {why}
          </p>
        ) : null}
        <Sparkline
          values={motif.mean_shape}
          label={`${motif.label}: average shape over ${formatDuration(motif.window_minutes)}, ranging ${shapeRange(motif.mean_shape, unit)} ${unit}`}
        />
        <div className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
          <Badge variant={badge}>{recurred}</Badge>
          <span>
            range {shapeRange(motif.mean_shape, unit)} {unit}
          </span>
          {last ? <span>· last {formatDate(last.start, zone)}</span> : null}
        </div>
      </CardContent>
    </Card>
  );
}

function LatestNovelty({ novelty, zone }: { novelty: Novelty; zone: string }) {
  const hours = Math.round(novelty.window_minutes / 60);
  const when = `${formatWeekdayTime(novelty.start, zone)}–${formatTime(novelty.end, zone)}`;
  const pct = Math.round(novelty.percentile);
  return (
    <p
      data-testid="latest-novelty"
      className={novelty.flagged ? "rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" : "text-sm text-slate-600"}
    >
      {novelty.flagged
        ? `Your latest ${hours} hours of readings (${when}) look unlike your history: more unusual than ${pct}% of past ${hours}-hour windows.`
        : `Your latest ${hours} hours of readings (${when}) are within your usual range (more unusual than ${pct}% of past ${hours}-hour windows; flagged above 99%).`}
    </p>
  );
}

function AnomalyTimeline({ anomalies, zone }: { anomalies: Anomaly[]; zone: string }) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [selected, setSelected] = useState<number | null>(null);
  if (anomalies.length === 0) return <p className="text-sm text-slate-600">No unusual periods found. That is good news.</p>;
  const sorted = [...anomalies].sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
  const t0 = Date.parse(sorted[0].start);
  const t1 = Math.max(...sorted.map((a) => Date.parse(a.end)), t0 + 86400000);
  const maxScore = Math.max(...sorted.map((a) => a.score), 1e-9);
  const H = 90;
  const x = linearScale([t0, t1], [8, width - 8]);
  const ticks = Array.from({ length: 5 }, (_, i) => t0 + ((t1 - t0) * i) / 4);
  const top = [...anomalies].sort((a, b) => b.score - a.score).slice(0, 8);
  const sel = selected !== null ? sorted[selected] : null;

  return (
    <div className="space-y-4">
      <div ref={ref} className="w-full">
        <svg
          width={width}
          height={H + 20}
          role="img"
          aria-label={`Timeline of ${anomalies.length} unusual glucose periods between ${formatDate(t0, zone)} and ${formatDate(t1, zone)}`}
        >
          <line x1={8} x2={width - 8} y1={H} y2={H} stroke="var(--color-slate-300)" />
          {ticks.map((t, i) => (
            <text
              key={t}
              x={x(t)}
              y={H + 14}
              textAnchor={i === 0 ? "start" : i === ticks.length - 1 ? "end" : "middle"}
              className="fill-slate-500 text-[10px]"
            >
              {formatShortDate(t, zone)}
            </text>
          ))}
          {sorted.map((a, i) => {
            const h = 10 + (a.score / maxScore) * (H - 16);
            const cx = x(Date.parse(a.start));
            return (
              <g key={`${a.start}-${i}`}>
                <line
                  x1={cx}
                  x2={cx}
                  y1={H}
                  y2={H - h}
                  stroke={selected === i ? "#c2410c" : "#f97316"}
                  strokeWidth={selected === i ? 3 : 2}
                />
                <circle
                  cx={cx}
                  cy={H - h}
                  r={selected === i ? 5 : 4}
                  fill={selected === i ? "#c2410c" : "#fb923c"}
                  onPointerEnter={() => setSelected(i)}
                  onPointerLeave={() => setSelected(null)}
                  data-testid="anomaly-mark"
                />
              </g>
            );
          })}
        </svg>
      </div>
      <p className="min-h-5 text-xs text-slate-600" aria-live="polite">
        {sel
          ? `${formatDateTime(sel.start, zone)} · ${formatDuration(sel.window_minutes)} · score ${sel.score.toFixed(2)}`
          : "Point at a marker for details."}
      </p>
      <div>
        <h3 className="mb-2 text-sm font-medium">Most unusual periods</h3>
        <ul className="grid gap-3 sm:grid-cols-2">
          {top.map((a, i) => (
            <li key={`${a.start}-${i}`} className="flex items-center gap-3 rounded-lg border border-slate-200 p-2">
              <div className="w-28 shrink-0">
                <Sparkline
                  values={a.shape}
                  width={112}
                  height={36}
                  color="#c2410c"
                  label={`Shape of the unusual period starting ${formatDateTime(a.start, zone)}`}
                />
              </div>
              <div className="text-xs">
                <p className="font-medium text-slate-800">
                  {formatWeekdayTime(a.start, zone)}, {formatDate(a.start, zone)}
                </p>
                <p className="text-slate-500">
                  {formatDuration(a.window_minutes)} · score {a.score.toFixed(2)}
                </p>
              </div>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

export function PatternsView() {
  const user = useUser();
  return (
    <InsightPage title="Patterns" description="Glucose shapes that keep coming back, and periods that looked unlike your usual days.">
      <InsightCard<PatternsData>
        kind="recurring-patterns"
        title="Recurring patterns"
        description={`Repeating patterns, most important first: lows before highs, ones that keep coming back at the same time of day before one-offs (${user.zone}).`}
        skeletonHeight="h-48"
      >
        {(data) =>
          data.motifs.length === 0 ? (
            <p className="text-sm text-slate-600">No recurring patterns found yet.</p>
          ) : (
            <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">
              {data.motifs.map((m) => (
                <MotifCard key={m.id} motif={m} zone={user.zone} unit={user.unit} />
              ))}
            </div>
          )
        }
      </InsightCard>
      <InsightCard<AnomaliesData> kind="anomalies" title="Anomalies" description="Taller markers are more unusual." skeletonHeight="h-40">
        {(data) => (
          <div className="space-y-4">
            {data.novelty ? <LatestNovelty novelty={data.novelty} zone={user.zone} /> : null}
            <AnomalyTimeline anomalies={data.anomalies} zone={user.zone} />
          </div>
        )}
      </InsightCard>
    </InsightPage>
  );
}
