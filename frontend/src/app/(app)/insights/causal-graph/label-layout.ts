/**
 * Where along each edge its "lag 2 d" label goes, so labels do not cover each other. Every edge
 * runs from a feature on the left to an outcome on the right, so many cross near the middle,
 * where React Flow puts every label by default. Labels are placed greedily at the first of a few
 * positions along the curve that is free.
 */
export interface EdgeGeometry {
  id: string;
  sx: number;
  sy: number;
  tx: number;
  ty: number;
  label: string;
}

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const CANDIDATES = [0.5, 0.36, 0.64, 0.28, 0.72, 0.43, 0.57, 0.2, 0.8];
const CHAR_PX = 6.2; // 11 px medium text
const PAD_PX = 8;
export const LABEL_HEIGHT_PX = 18;
const GAP_PX = 2;

/** The point at `t` on React Flow's bezier from a right handle to a left handle. */
export function bezierPoint(g: Pick<EdgeGeometry, "sx" | "sy" | "tx" | "ty">, t: number): [number, number] {
  // React Flow's control offset (calculateControlOffset, curvature 0.25).
  const d = g.tx - g.sx;
  const off = d >= 0 ? 0.5 * d : 0.25 * 25 * Math.sqrt(-d);
  const [c1x, c1y, c2x, c2y] = [g.sx + off, g.sy, g.tx - off, g.ty];
  const u = 1 - t;
  const x = u ** 3 * g.sx + 3 * u * u * t * c1x + 3 * u * t * t * c2x + t ** 3 * g.tx;
  const y = u ** 3 * g.sy + 3 * u * u * t * c1y + 3 * u * t * t * c2y + t ** 3 * g.ty;
  return [x, y];
}

export function labelBox(g: EdgeGeometry, t: number): Box {
  const [x, y] = bezierPoint(g, t);
  const w = g.label.length * CHAR_PX + PAD_PX;
  return { x: x - w / 2, y: y - LABEL_HEIGHT_PX / 2, w, h: LABEL_HEIGHT_PX };
}

export function overlap(a: Box, b: Box): number {
  const dx = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x) + GAP_PX;
  const dy = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y) + GAP_PX;
  return dx > 0 && dy > 0 ? dx * dy : 0;
}

/** Position (0–1 along the curve) of each edge's label; the least-covered spot when none is free. */
export function placeLabels(edges: EdgeGeometry[]): Map<string, number> {
  const placed: Box[] = [];
  const out = new Map<string, number>();
  for (const g of edges) {
    let best = { t: CANDIDATES[0], cost: Infinity };
    for (const t of CANDIDATES) {
      const box = labelBox(g, t);
      const cost = placed.reduce((s, p) => s + overlap(box, p), 0);
      if (cost < best.cost) best = { t, cost };
      if (cost === 0) break;
    }
    out.set(g.id, best.t);
    placed.push(labelBox(g, best.t));
  }
  return out;
}
