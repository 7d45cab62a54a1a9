"use client";
import * as Tooltip from "@radix-ui/react-tooltip";
import { useMemo, useState } from "react";
import { correlationColor, textColorFor } from "@/components/charts/heatmap-color";
import { InsightCard, InsightPage } from "@/components/insight-page";
import { Segmented } from "@/components/ui/segmented";
import { useUser } from "@/hooks/use-user";
import type { CorrelationCell, CorrelationsData } from "@/lib/insight-payloads";
import { variableLabel, variableName } from "@/lib/variables";

const SIGNIFICANT_Q = 0.05;

function fmt(n: number | null, digits = 2): string {
  return n === null || !Number.isFinite(n) ? "—" : n.toFixed(digits);
}

function fmtP(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return "—";
  return n < 0.001 ? "<0.001" : n.toFixed(3);
}

function Heatmap({ data }: { data: CorrelationsData }) {
  const lags = data.lags.length ? data.lags : [0];
  const [lag, setLag] = useState(String(lags[0]));
  const [method, setMethod] = useState<"pearson" | "spearman">("pearson");
  const { unit } = useUser();
  const named = (id: string) => variableLabel(id, unit);

  const cells = useMemo(() => {
    const m = new Map<string, CorrelationCell>();
    for (const c of data.cells) if (String(c.lag) === lag) m.set(`${c.feature}|${c.outcome}`, c);
    return m;
  }, [data.cells, lag]);

  const rOf = (c: CorrelationCell | undefined) => (c ? (method === "pearson" ? c.pearson_r : c.spearman_r) : null);
  const significant = [...cells.values()].filter((c) => c.q !== null && c.q < SIGNIFICANT_Q).length;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-center gap-4">
        <div className="flex items-center gap-2 text-sm">
          <span id="lag-label" className="text-slate-600">
            Lag (days)
          </span>
          <Segmented
            label="Lag in days"
            value={lag}
            onChange={setLag}
            options={lags.map((l) => ({ value: String(l), label: String(l) }))}
          />
        </div>
        <Segmented
          label="Correlation method"
          value={method}
          onChange={setMethod}
          options={[
            { value: "pearson", label: "Pearson" },
            { value: "spearman", label: "Spearman" },
          ]}
        />
        <p className="text-sm text-slate-600" aria-live="polite">
          {significant} significant {significant === 1 ? "pair" : "pairs"} at lag {lag} (q &lt; {SIGNIFICANT_Q})
        </p>
      </div>
      <Tooltip.Provider delayDuration={100}>
        <div className="overflow-x-auto">
          <table className="border-separate border-spacing-1 text-xs" data-testid="correlation-heatmap">
            <caption className="sr-only">
              Correlation of each lifestyle feature (rows) with each glucose outcome (columns) at a lag of {lag} days. Cells marked with a
              star are significant after false-discovery-rate correction.
            </caption>
            <thead>
              <tr>
                <th scope="col" className="p-1 text-left font-medium text-slate-500">
                  Feature ↓ / Outcome →
                </th>
                {data.outcomes.map((o) => (
                  <th key={o} scope="col" className="max-w-28 p-1 text-center align-bottom font-medium text-slate-700">
                    {named(o)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.features.map((f) => (
                <tr key={f}>
                  <th scope="row" className="whitespace-nowrap p-1 pr-3 text-left font-medium text-slate-700">
                    {named(f)}
                  </th>
                  {data.outcomes.map((o) => {
                    const c = cells.get(`${f}|${o}`);
                    const r = rOf(c);
                    const sig = c?.q !== null && c?.q !== undefined && c.q < SIGNIFICANT_Q;
                    const label = c
                      ? `${variableName(f)} vs ${variableName(o)}, lag ${lag}: r = ${fmt(r)}, q = ${fmtP(c.q)}, n = ${c.n}${sig ? ", significant" : ""}`
                      : `${variableName(f)} vs ${variableName(o)}: no data`;
                    return (
                      <td key={o} className="p-0">
                        <Tooltip.Root>
                          <Tooltip.Trigger asChild>
                            <button
                              type="button"
                              aria-label={label}
                              className={`flex h-11 w-16 items-center justify-center rounded-md font-medium tabular-nums ${sig ? "ring-2 ring-slate-900" : ""}`}
                              style={{ backgroundColor: correlationColor(r), color: textColorFor(r) }}
                            >
                              {fmt(r)}
                              {sig ? <span aria-hidden>★</span> : null}
                            </button>
                          </Tooltip.Trigger>
                          <Tooltip.Portal>
                            <Tooltip.Content
                              side="top"
                              sideOffset={4}
                              className="z-50 max-w-64 rounded-md bg-slate-900 px-3 py-2 text-xs text-white shadow"
                            >
                              <p className="font-medium">
                                {named(f)} → {named(o)}
                              </p>
                              {c ? (
                                <>
                                  <p>
                                    Pearson r {fmt(c.pearson_r)} · Spearman ρ {fmt(c.spearman_r)}
                                  </p>
                                  <p>
                                    p {fmtP(c.p)} · q {fmtP(c.q)} · n {c.n}
                                  </p>
                                  <p className="text-slate-300">{sig ? "Significant after FDR correction" : "Not significant"}</p>
                                </>
                              ) : (
                                <p>No data</p>
                              )}
                              <Tooltip.Arrow className="fill-slate-900" />
                            </Tooltip.Content>
                          </Tooltip.Portal>
                        </Tooltip.Root>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Tooltip.Provider>
      <div className="flex items-center gap-3 text-xs text-slate-600">
        <span>−1</span>
        <span
          className="h-3 w-48 rounded-full"
          style={{ background: `linear-gradient(to right, ${correlationColor(-1)}, ${correlationColor(0)}, ${correlationColor(1)})` }}
          aria-hidden
        />
        <span>+1</span>
        <span className="ml-2">★ significant (q &lt; {SIGNIFICANT_Q})</span>
      </div>
    </div>
  );
}

export function CorrelationsView() {
  return (
    <InsightPage
      title="Correlations"
      description="How your daily habits move with your glucose, at the same day or days later. Correlation is not causation."
    >
      <InsightCard<CorrelationsData>
        kind="correlations"
        title="Features × outcomes"
        description="Orange: both rise together. Blue: one rises as the other falls. Hover or focus a cell for details."
      >
        {(data) => <Heatmap data={data} />}
      </InsightCard>
    </InsightPage>
  );
}
