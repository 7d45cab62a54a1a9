import { tzOffsetMinutes } from "@/lib/time";

export type Scale = ((v: number) => number) & { domain: [number, number]; range: [number, number] };

export function linearScale(domain: [number, number], range: [number, number]): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const fn = ((v: number) => r0 + ((v - d0) / span) * (r1 - r0)) as Scale;
  fn.domain = domain;
  fn.range = range;
  return fn;
}

/** Round-number ticks covering [min, max], roughly `count` of them. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  // The finest 1-2-5 step that keeps the tick count within ~1.6× the request.
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => (max - min) / s <= count * 1.6) ?? 10 * mag;
  const ticks: number[] = [];
  const start = Math.ceil(min / step) * step;
  for (let v = start; v <= max + step * 1e-9; v += step) ticks.push(Math.round(v / step) * step);
  return ticks;
}

/** Ticks at round local wall-clock times in `tz` between two instants (ms). */
export function timeTicks(startMs: number, endMs: number, tz: string, stepMinutes: number): number[] {
  const stepMs = stepMinutes * 60000;
  const ticks: number[] = [];
  const off0 = tzOffsetMinutes(new Date(startMs), tz) * 60000;
  let local = Math.ceil((startMs + off0) / stepMs) * stepMs;
  for (let guard = 0; guard < 500; guard++) {
    const guess = local - off0;
    const off = tzOffsetMinutes(new Date(guess), tz) * 60000;
    const t = local - off;
    if (t > endMs) break;
    if (t >= startMs && !ticks.includes(t)) ticks.push(t);
    local += stepMs;
  }
  return ticks;
}

/** Index of the point whose x is nearest to `x` in a sorted array. */
export function nearestIndex(xs: number[], x: number): number {
  if (xs.length === 0) return -1;
  let lo = 0;
  let hi = xs.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] < x) lo = mid;
    else hi = mid;
  }
  return Math.abs(xs[lo] - x) <= Math.abs(xs[hi] - x) ? lo : hi;
}

/** An SVG path through points, broken where consecutive x values are further apart than `maxGap`. */
export function linePath(points: [number, number][], xs?: number[], maxGap = Infinity): string {
  let d = "";
  points.forEach(([x, y], i) => {
    const gap = xs && i > 0 ? xs[i] - xs[i - 1] : 0;
    d += `${i === 0 || gap > maxGap ? "M" : "L"}${x.toFixed(1)},${y.toFixed(1)}`;
  });
  return d;
}

/** A closed band between an upper and a lower series (same x values). */
export function bandPath(upper: [number, number][], lower: [number, number][]): string {
  if (upper.length === 0) return "";
  const top = upper.map(([x, y], i) => `${i ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`).join("");
  const bottom = [...lower]
    .reverse()
    .map(([x, y]) => `L${x.toFixed(1)},${y.toFixed(1)}`)
    .join("");
  return `${top}${bottom}Z`;
}

/** Raw CGM readings come every 5 minutes (15 for some sensors): 20 minutes without one is a gap. */
export const RAW_GAP_MS = 20 * 60000;

/**
 * Longest step between consecutive points that is still drawn as a line. Downsampled points sit
 * one bucket apart (the API's `bucket_s`), so only a missing bucket — twice the width — is a gap.
 */
export function gapThresholdMs(bucketS?: number | null): number {
  return bucketS ? Math.max(RAW_GAP_MS, bucketS * 1000 * 1.5) : RAW_GAP_MS;
}
