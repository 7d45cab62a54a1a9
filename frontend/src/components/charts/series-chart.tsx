"use client";
import { useMemo, useState } from "react";
import { formatGlucose } from "@/lib/units";
import { formatDateTime, formatShortDate, formatTime } from "@/lib/time";
import type { Unit } from "@/lib/units";
import { HoverLayer, HoverTip } from "./hover-layer";
import { gapThresholdMs, linePath, linearScale, niceTicks, timeTicks } from "./scale";
import { useWidth } from "./use-width";

const HEIGHT = 240;
const M = { top: 12, right: 16, bottom: 28, left: 44 };

export interface SeriesChartProps {
  points: { t: string; v: number }[];
  unit: Unit;
  targetLow: number;
  targetHigh: number;
  startMs: number;
  endMs: number;
  timeZone: string;
  label: string;
  /** Width of a downsampled point's bucket (from the API); null or absent for raw readings. */
  bucketS?: number | null;
}

/** Glucose over time with the target band shaded; a light SVG chart (no chart library on the dashboard). */
export function SeriesChart({ points, unit, targetLow, targetHigh, startMs, endMs, timeZone, label, bucketS }: SeriesChartProps) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);

  const model = useMemo(() => {
    const ts = points.map((p) => Date.parse(p.t));
    const vs = points.map((p) => p.v);
    const floor = unit === "mmol/L" ? 2 : 40;
    const ceil = unit === "mmol/L" ? 16.7 : 300;
    const yMin = Math.min(floor, ...vs);
    const yMax = Math.max(ceil, ...vs);
    const x = linearScale([startMs, endMs], [M.left, width - M.right]);
    const y = linearScale([yMin, yMax], [HEIGHT - M.bottom, M.top]);
    const spanH = (endMs - startMs) / 3600000;
    const stepMin = spanH <= 30 ? 180 : spanH <= 24 * 8 ? 1440 : 1440 * 7;
    const xTicks = timeTicks(startMs, endMs, timeZone, stepMin);
    const yTicks = niceTicks(yMin, yMax, 5);
    const path = linePath(
      points.map((p, i) => [x(ts[i]), y(p.v)]),
      ts,
      gapThresholdMs(bucketS),
    );
    return { ts, x, y, xTicks, yTicks, path, stepMin };
  }, [points, unit, startMs, endMs, width, timeZone, bucketS]);

  const { ts, x, y, xTicks, yTicks, path, stepMin } = model;
  const hp = hover !== null ? points[hover] : null;

  const inRange = points.filter((p) => p.v >= targetLow && p.v <= targetHigh).length;
  const latest = points[points.length - 1];
  const summary =
    points.length === 0
      ? "No readings in this period."
      : `${points.length} points. Latest ${formatGlucose(latest.v, unit, true)} at ${formatDateTime(latest.t, timeZone)}. ` +
        `${Math.round((inRange / points.length) * 100)}% of shown points within the target ${formatGlucose(targetLow, unit)}–${formatGlucose(targetHigh, unit)} ${unit}.`;

  return (
    <figure className="space-y-2">
      <div ref={ref} className="relative w-full">
        <svg width={width} height={HEIGHT} role="img" aria-label={`${label}. ${summary}`} className="block">
          <rect
            x={M.left}
            width={Math.max(0, width - M.left - M.right)}
            y={y(targetHigh)}
            height={Math.max(0, y(targetLow) - y(targetHigh))}
            fill="var(--color-chart-target)"
            opacity={0.1}
          />
          <line
            x1={M.left}
            x2={width - M.right}
            y1={y(targetLow)}
            y2={y(targetLow)}
            stroke="var(--color-chart-target)"
            strokeDasharray="4 3"
            strokeWidth={1}
          />
          <line
            x1={M.left}
            x2={width - M.right}
            y1={y(targetHigh)}
            y2={y(targetHigh)}
            stroke="var(--color-chart-target)"
            strokeDasharray="4 3"
            strokeWidth={1}
          />
          {yTicks.map((v) => (
            <g key={v}>
              <line x1={M.left} x2={width - M.right} y1={y(v)} y2={y(v)} stroke="var(--color-chart-grid)" strokeWidth={1} />
              <text x={M.left - 6} y={y(v)} dy="0.32em" textAnchor="end" className="fill-slate-500 text-[10px]">
                {formatGlucose(v, unit)}
              </text>
            </g>
          ))}
          {xTicks.map((t) => (
            <text key={t} x={x(t)} y={HEIGHT - 8} textAnchor="middle" className="fill-slate-500 text-[10px]">
              {stepMin >= 1440 ? formatShortDate(t, timeZone) : formatTime(t, timeZone)}
            </text>
          ))}
          <path d={path} fill="none" stroke="var(--color-chart-line)" strokeWidth={1.6} strokeLinejoin="round" data-testid="series-line" />
          <HoverLayer
            x={x}
            xs={ts}
            top={M.top}
            height={HEIGHT - M.top - M.bottom}
            index={hover}
            onIndex={setHover}
            markerY={hp ? y(hp.v) : undefined}
          />
        </svg>
        {hp && hover !== null ? (
          <HoverTip x={x(ts[hover])} chartWidth={width} shift={60} boxWidth={130}>
            <span className="font-semibold">{formatGlucose(hp.v, unit, true)}</span>
            <span className="ml-2 text-slate-500">{formatDateTime(hp.t, timeZone)}</span>
          </HoverTip>
        ) : null}
      </div>
      <figcaption className="text-xs text-slate-500">{summary}</figcaption>
    </figure>
  );
}
