import type { CausalEdge } from "@/lib/insight-payloads";

export function edgeId(e: Pick<CausalEdge, "source" | "target" | "lag">): string {
  return `${e.source}->${e.target}@${e.lag}`;
}

export function isPositive(sign: number | string): boolean {
  return typeof sign === "number" ? sign >= 0 : sign === "+" || sign === "positive" || sign === "pos";
}

export const POSITIVE_COLOR = "#c2410c";
export const NEGATIVE_COLOR = "#1d4ed8";

/** Stroke width 1.5–7 px from strength (absolute effect size, clamped to 0–1). */
export function strokeWidthFor(strength: number): number {
  const s = Math.max(0, Math.min(1, Math.abs(strength)));
  return 1.5 + s * 5.5;
}
