"use client";
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { formatTime } from "@/lib/time";
import type { Unit } from "@/lib/units";
import { formatGlucose } from "@/lib/units";
import type { ForecastRow } from "./forecast-data";

export default function ForecastChart({
  rows,
  unit,
  zone,
  targetLow,
  targetHigh,
  lastReadingMs,
}: {
  rows: ForecastRow[];
  unit: Unit;
  zone: string;
  targetLow: number;
  targetHigh: number;
  lastReadingMs: number;
}) {
  const fmtV = (v: unknown) => {
    if (Array.isArray(v)) return `${formatGlucose(Number(v[0]), unit)}–${formatGlucose(Number(v[1]), unit)} ${unit}`;
    return `${formatGlucose(Number(v), unit)} ${unit}`;
  };
  return (
    <div className="h-80 w-full" data-testid="forecast-chart">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 0 }}>
          <CartesianGrid stroke="var(--color-chart-grid)" vertical={false} />
          <XAxis
            dataKey="t"
            type="number"
            scale="time"
            domain={["dataMin", "dataMax"]}
            tickFormatter={(t: number) => formatTime(t, zone)}
            tick={{ fontSize: 11 }}
          />
          <YAxis tick={{ fontSize: 11 }} width={44} domain={["auto", "auto"]} tickFormatter={(v: number) => formatGlucose(v, unit)} />
          <ReferenceArea y1={targetLow} y2={targetHigh} fill="var(--color-chart-target)" fillOpacity={0.1} ifOverflow="extendDomain" />
          <ReferenceLine
            x={lastReadingMs}
            stroke="var(--color-slate-400)"
            strokeDasharray="4 3"
            label={{ value: "now", fontSize: 10, fill: "var(--color-slate-500)", position: "insideTopLeft" }}
          />
          <Area
            dataKey="band95"
            name="95% interval"
            stroke="none"
            fill="var(--color-chart-line)"
            fillOpacity={0.14}
            isAnimationActive={false}
            connectNulls
          />
          <Area
            dataKey="band80"
            name="80% interval"
            stroke="none"
            fill="var(--color-chart-line)"
            fillOpacity={0.28}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            dataKey="actual"
            name="Measured"
            stroke="var(--color-slate-900)"
            strokeWidth={2}
            dot={false}
            isAnimationActive={false}
            connectNulls
          />
          <Line
            dataKey="forecast"
            name="Forecast"
            stroke="var(--color-chart-line)"
            strokeWidth={2}
            strokeDasharray="6 4"
            dot={{ r: 3 }}
            isAnimationActive={false}
            connectNulls
          />
          <Tooltip labelFormatter={(t) => formatTime(Number(t), zone)} formatter={(v, name) => [fmtV(v), String(name)]} />
        </ComposedChart>
      </ResponsiveContainer>
    </div>
  );
}
