/** Diverging colour for a correlation r in [-1, 1]: blue (negative) – white – orange (positive). */
export function correlationColor(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return "#f1f5f9";
  const t = Math.max(-1, Math.min(1, r));
  const neg = [37, 99, 235];
  const pos = [234, 88, 12];
  const white = [255, 255, 255];
  const target = t < 0 ? neg : pos;
  const a = Math.abs(t);
  const mix = white.map((w, i) => Math.round(w + (target[i] - w) * a));
  return `rgb(${mix[0]}, ${mix[1]}, ${mix[2]})`;
}

export function textColorFor(r: number | null): string {
  return r !== null && Math.abs(r) > 0.55 ? "#ffffff" : "#0f172a";
}
