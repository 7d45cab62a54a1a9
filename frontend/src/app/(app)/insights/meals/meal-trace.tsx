import { linePath, linearScale } from "@/components/charts/scale";
import { formatGlucose, type Unit } from "@/lib/units";

/**
 * One meal's smoothed glucose from 30 minutes before to 3 hours after, on a minute axis, with the
 * baseline dashed and the meal time marked. Small on purpose: the numbers beside it carry the detail.
 */
export function MealTrace({
  points,
  baseline,
  unit,
  height = 120,
}: {
  points: { minute: number; value: number }[];
  baseline: number | null;
  unit: Unit;
  height?: number;
}) {
  if (points.length < 2) return <p className="text-xs text-slate-500">Not enough readings to draw this meal.</p>;
  const width = 360;
  const values = points.map((p) => p.value).concat(baseline ?? []);
  const min = Math.min(...values);
  const max = Math.max(...values);
  const pad = (max - min) * 0.15 || 1;
  const x = linearScale([-30, 180], [4, width - 4]);
  const y = linearScale([min - pad, max + pad], [height - 14, 4]);
  const d = linePath(points.map((p) => [x(p.minute), y(p.value)]));
  const label = `Glucose from 30 minutes before to 3 hours after the meal, ${formatGlucose(min, unit)} to ${formatGlucose(max, unit)} ${unit}`;
  return (
    <svg viewBox={`0 0 ${width} ${height}`} className="h-auto w-full max-w-md" role="img" aria-label={label} data-testid="meal-trace">
      {baseline !== null ? (
        <line
          x1={4}
          x2={width - 4}
          y1={y(baseline)}
          y2={y(baseline)}
          stroke="currentColor"
          className="text-slate-400"
          strokeDasharray="4 4"
          vectorEffect="non-scaling-stroke"
        />
      ) : null}
      <line
        x1={x(0)}
        x2={x(0)}
        y1={4}
        y2={height - 14}
        stroke="currentColor"
        className="text-slate-300"
        vectorEffect="non-scaling-stroke"
      />
      <line
        x1={x(120)}
        x2={x(120)}
        y1={4}
        y2={height - 14}
        stroke="currentColor"
        className="text-slate-200"
        strokeDasharray="2 3"
        vectorEffect="non-scaling-stroke"
      />
      <path d={d} fill="none" stroke="var(--color-chart-line)" strokeWidth={2} vectorEffect="non-scaling-stroke" strokeLinejoin="round" />
      {[0, 60, 120, 180].map((m) => (
        <text key={m} x={x(m)} y={height - 2} textAnchor={m === 180 ? "end" : "middle"} className="fill-slate-500 text-[10px]">
          {m === 0 ? "meal" : `${m / 60} h`}
        </text>
      ))}
    </svg>
  );
}
