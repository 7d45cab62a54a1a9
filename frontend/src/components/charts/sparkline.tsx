import { linePath, linearScale } from "./scale";

/** A small line chart of a shape; the label describes it for screen readers. */
export function Sparkline({
  values,
  label,
  width = 220,
  height = 64,
  color = "var(--color-chart-line)",
}: {
  values: number[];
  label: string;
  width?: number;
  height?: number;
  color?: string;
}) {
  const finite = values.filter(Number.isFinite);
  if (finite.length < 2) return <div className="text-xs text-slate-400">No shape</div>;
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const pad = (max - min) * 0.1 || 1;
  const x = linearScale([0, values.length - 1], [2, width - 2]);
  const y = linearScale([min - pad, max + pad], [height - 2, 2]);
  const d = linePath(values.map((v, i) => [x(i), y(v)]));
  return (
    <svg viewBox={`0 0 ${width} ${height}`} width="100%" height={height} role="img" aria-label={label} preserveAspectRatio="none">
      <path d={d} fill="none" stroke={color} strokeWidth={2} vectorEffect="non-scaling-stroke" strokeLinejoin="round" />
    </svg>
  );
}
