"use client";
import { nearestIndex, type Scale } from "./scale";

/**
 * The hover layer shared by the dashboard's SVG charts. Inside the <svg>: a guide line at the
 * hovered point (and a dot, given `markerY`) under a transparent rect that follows the pointer
 * over the plot and reports the index of the nearest point in `xs`, or null when it leaves.
 */
export function HoverLayer({
  x,
  xs,
  top,
  height,
  index,
  onIndex,
  markerY,
}: {
  /** The chart's x scale; its range is the plot's left and right edge. */
  x: Scale;
  /** The points' x values in the scale's domain, sorted. */
  xs: number[];
  top: number;
  height: number;
  index: number | null;
  onIndex: (index: number | null) => void;
  markerY?: number;
}) {
  const [left, right] = x.range;
  const [d0, d1] = x.domain;

  function onMove(e: React.PointerEvent<SVGRectElement>) {
    const rect = e.currentTarget.getBoundingClientRect();
    const value = d0 + ((e.clientX - rect.left) / rect.width) * (d1 - d0);
    const i = nearestIndex(xs, value);
    onIndex(i >= 0 ? i : null);
  }

  const gx = index !== null && index < xs.length ? x(xs[index]) : null;
  return (
    <>
      {gx !== null ? (
        <g pointerEvents="none" data-testid="hover-guide">
          <line x1={gx} x2={gx} y1={top} y2={top + height} stroke="var(--color-slate-400)" />
          {markerY !== undefined ? (
            <circle cx={gx} cy={markerY} r={3.5} fill="var(--color-chart-line)" stroke="var(--color-white)" strokeWidth={1.5} />
          ) : null}
        </g>
      ) : null}
      <rect
        x={left}
        y={top}
        width={Math.max(0, right - left)}
        height={height}
        fill="transparent"
        onPointerMove={onMove}
        onPointerLeave={() => onIndex(null)}
        data-testid="hover-capture"
      />
    </>
  );
}

/** The tooltip beside the hovered point (HTML over the chart), kept inside the chart's width. */
export function HoverTip({
  x,
  chartWidth,
  shift,
  boxWidth,
  children,
}: {
  /** The hovered point's x in pixels. */
  x: number;
  chartWidth: number;
  /** How far left of the point the box starts, and the width it needs, in pixels. */
  shift: number;
  boxWidth: number;
  children: React.ReactNode;
}) {
  return (
    <div
      className="pointer-events-none absolute top-2 rounded-md border border-slate-200 bg-white px-2 py-1 text-xs shadow"
      style={{ left: Math.min(Math.max(x - shift, 0), chartWidth - boxWidth) }}
      data-testid="hover-tip"
    >
      {children}
    </div>
  );
}
