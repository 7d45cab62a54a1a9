import { bandRangeLabel, formatPct, TIR_BANDS } from "@/lib/units";
import type { Bands } from "@/lib/api-types";
import type { Unit } from "@/lib/units";

/** Stacked time-in-range bar in the 2019 consensus colours, highest band on the right. */
export function TirBar({ bands, unit, label, bare = false }: { bands: Bands; unit: Unit; label: string; bare?: boolean }) {
  const summary = TIR_BANDS.map((b) => `${b.label} ${formatPct(bands[b.key])}`).join(", ");
  return (
    <div className="space-y-1.5">
      <div className={bare ? "sr-only" : "flex items-baseline justify-between text-sm"}>
        <span className="font-medium text-slate-700">{label}</span>
        <span className="text-slate-600">
          <span className="font-semibold text-slate-900" data-testid="tir-in-range">
            {formatPct(bands.in_range_pct)}
          </span>{" "}
          in range
        </span>
      </div>
      <div
        className="flex h-4 w-full overflow-hidden rounded-full bg-slate-100"
        role="img"
        aria-label={`${label} time in ranges: ${summary}`}
      >
        {TIR_BANDS.map((b) => {
          const pct = bands[b.key] ?? 0;
          return pct > 0 ? (
            <div
              key={b.key}
              style={{ width: `${pct}%`, backgroundColor: b.color }}
              title={`${b.label} (${bandRangeLabel(b.key, unit)}): ${formatPct(pct, 1)}`}
            />
          ) : null;
        })}
      </div>
    </div>
  );
}

/** The band colours and ranges; with `bands`, each band's share, and `caption` says for which window. */
export function TirLegend({ bands, unit, caption }: { bands?: Bands; unit: Unit; caption?: string }) {
  const list = (
    <ul className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs text-slate-600">
      {TIR_BANDS.map((b) => (
        <li key={b.key} className="flex items-center gap-1.5">
          <span className="inline-block size-2.5 shrink-0 rounded-sm" style={{ backgroundColor: b.color }} aria-hidden />
          <span>
            {b.label} <span className="text-slate-400">{bandRangeLabel(b.key, unit)}</span>
            {bands ? <span className="ml-1 font-medium text-slate-800">{formatPct(bands[b.key], 1)}</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
  if (!caption) return list;
  return (
    <figure className="space-y-1.5">
      <figcaption className="text-xs font-medium text-slate-700" data-testid="tir-legend-caption">
        {caption}
      </figcaption>
      {list}
    </figure>
  );
}
