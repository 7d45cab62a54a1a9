"use client";
import { useMemo, useState } from "react";
import { formatGlucose } from "@/lib/units";
import { minuteOfDayLabel } from "@/lib/time";
import type { AgpBin } from "@/lib/api-types";
import type { Unit } from "@/lib/units";
import { HoverLayer, HoverTip } from "./hover-layer";
import { bandPath, linePath, linearScale, niceTicks } from "./scale";
import { useWidth } from "./use-width";

const HEIGHT = 260;
const M = { top: 12, right: 16, bottom: 28, left: 44 };

type Full = { minute: number; p5: number; p25: number; p50: number; p75: number; p95: number };

/** Ambulatory glucose profile: 5–95 and 25–75 percentile bands with the median, over one day. */
export function AgpChart({
  bins,
  unit,
  targetLow,
  targetHigh,
  days,
}: {
  bins: AgpBin[];
  unit: Unit;
  targetLow: number;
  targetHigh: number;
  days: number;
}) {
  const [ref, width] = useWidth<HTMLDivElement>();
  const [hover, setHover] = useState<number | null>(null);

  const model = useMemo(() => {
    const full = bins.filter((b): b is Full => b.p5 !== null && b.p25 !== null && b.p50 !== null && b.p75 !== null && b.p95 !== null);
    const floor = unit === "mmol/L" ? 2 : 40;
    const ceil = unit === "mmol/L" ? 16.7 : 300;
    const yMin = Math.min(floor, ...full.map((b) => b.p5));
    const yMax = Math.max(ceil, ...full.map((b) => b.p95));
    const x = linearScale([0, 1440], [M.left, width - M.right]);
    const y = linearScale([yMin, yMax], [HEIGHT - M.bottom, M.top]);
    const xs = full.map((b) => b.minute);
    const pts = (k: keyof Full) => full.map((b) => [x(b.minute), y(b[k])] as [number, number]);
    return {
      full,
      xs,
      x,
      y,
      outer: bandPath(pts("p95"), pts("p5")),
      inner: bandPath(pts("p75"), pts("p25")),
      median: linePath(pts("p50")),
      yTicks: niceTicks(yMin, yMax, 5),
    };
  }, [bins, unit, width]);

  const { full, xs, x, y, outer, inner, median, yTicks } = model;
  const hb = hover !== null ? full[hover] : null;

  const medians = full.map((b) => b.p50);
  const summary =
    full.length === 0
      ? "Not enough readings for a daily profile."
      : `Median glucose over the day ranges from ${formatGlucose(Math.min(...medians), unit)} to ${formatGlucose(
          Math.max(...medians),
          unit,
        )} ${unit} across the last ${days} days; target ${formatGlucose(targetLow, unit)}–${formatGlucose(targetHigh, unit)} ${unit}.`;

  return (
    <figure className="space-y-2">
      <div ref={ref} className="relative w-full">
        <svg width={width} height={HEIGHT} role="img" aria-label={`Ambulatory glucose profile. ${summary}`} className="block">
          {yTicks.map((v) => (
            <g key={v}>
              <line x1={M.left} x2={width - M.right} y1={y(v)} y2={y(v)} stroke="var(--color-chart-grid)" />
              <text x={M.left - 6} y={y(v)} dy="0.32em" textAnchor="end" className="fill-slate-500 text-[10px]">
                {formatGlucose(v, unit)}
              </text>
            </g>
          ))}
          {[0, 180, 360, 540, 720, 900, 1080, 1260, 1440].map((m) => (
            <text key={m} x={x(m)} y={HEIGHT - 8} textAnchor="middle" className="fill-slate-500 text-[10px]">
              {minuteOfDayLabel(m === 1440 ? 0 : m)}
            </text>
          ))}
          <path d={outer} fill="var(--color-chart-line)" opacity={0.18} data-testid="agp-band-outer" />
          <path d={inner} fill="var(--color-chart-line)" opacity={0.38} data-testid="agp-band-inner" />
          <line x1={M.left} x2={width - M.right} y1={y(targetLow)} y2={y(targetLow)} stroke="var(--color-chart-target)" strokeWidth={1.5} />
          <line
            x1={M.left}
            x2={width - M.right}
            y1={y(targetHigh)}
            y2={y(targetHigh)}
            stroke="var(--color-chart-target)"
            strokeWidth={1.5}
          />
          <path d={median} fill="none" stroke="var(--color-chart-median)" strokeWidth={2} data-testid="agp-median" />
          <HoverLayer x={x} xs={xs} top={M.top} height={HEIGHT - M.top - M.bottom} index={hover} onIndex={setHover} />
        </svg>
        {hb ? (
          <HoverTip x={x(hb.minute)} chartWidth={width} shift={70} boxWidth={170}>
            <p className="font-semibold">{minuteOfDayLabel(hb.minute)}</p>
            <p>
              Median {formatGlucose(hb.p50, unit)} · 25–75%: {formatGlucose(hb.p25, unit)}–{formatGlucose(hb.p75, unit)}
            </p>
            <p className="text-slate-500">
              5–95%: {formatGlucose(hb.p5, unit)}–{formatGlucose(hb.p95, unit)} {unit}
            </p>
          </HoverTip>
        ) : null}
      </div>
      <figcaption className="flex flex-wrap items-center gap-4 text-xs text-slate-500">
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-block h-3 w-5 rounded-sm bg-chart-line/20" aria-hidden /> 5–95%
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-block h-3 w-5 rounded-sm bg-chart-line/40" aria-hidden /> 25–75%
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-block h-0.5 w-5 bg-chart-median" aria-hidden /> Median
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-block h-0.5 w-5 bg-chart-target" aria-hidden /> Target range
        </span>
        <span className="basis-full">{summary}</span>
      </figcaption>
    </figure>
  );
}
