"use client";
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";

export default function EvidenceScatter({
  x,
  y,
  xLabel,
  yLabel,
  color,
}: {
  x: number[];
  y: number[];
  xLabel: string;
  yLabel: string;
  color: string;
}) {
  const points = x.map((xv, i) => ({ x: xv, y: y[i] })).filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
  return (
    <figure className="space-y-1" aria-label={`Scatter of ${yLabel} against ${xLabel}, ${points.length} days`}>
      <div className="h-64 w-full" role="img" aria-label={`Scatter plot: ${points.length} points of ${yLabel} against ${xLabel}`}>
        <ResponsiveContainer width="100%" height="100%">
          <ScatterChart margin={{ top: 8, right: 12, bottom: 24, left: 4 }}>
            <CartesianGrid stroke="var(--color-chart-grid)" />
            <XAxis
              type="number"
              dataKey="x"
              name={xLabel}
              tick={{ fontSize: 11 }}
              label={{ value: xLabel, position: "insideBottom", offset: -12, fontSize: 11 }}
              domain={["auto", "auto"]}
            />
            <YAxis type="number" dataKey="y" name={yLabel} tick={{ fontSize: 11 }} width={44} domain={["auto", "auto"]} />
            <Tooltip cursor={{ strokeDasharray: "3 3" }} formatter={(v) => (typeof v === "number" ? v.toFixed(1) : String(v))} />
            <Scatter data={points} fill={color} fillOpacity={0.6} isAnimationActive={false} />
          </ScatterChart>
        </ResponsiveContainer>
      </div>
      <figcaption className="text-xs text-slate-500">Each dot is one day. Vertical: {yLabel}.</figcaption>
    </figure>
  );
}
