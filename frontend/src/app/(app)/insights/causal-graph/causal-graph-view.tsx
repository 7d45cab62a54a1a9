"use client";
import dynamic from "next/dynamic";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { InsightCard, InsightPage } from "@/components/insight-page";
import { Badge } from "@/components/ui/badge";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import type { CausalEdge } from "@/lib/insight-payloads";
import { edgeId, isPositive, NEGATIVE_COLOR, POSITIVE_COLOR } from "./edge-id";
import { nodeLabel } from "./node-label";
import { type CausalGraphWithTiers, type TierErrorRates, tentativeNote } from "./tier-note";

const FlowGraph = dynamic(() => import("./flow-graph"), {
  ssr: false,
  loading: () => <Skeleton className="h-[520px] w-full" label="Loading graph" />,
});
const EvidenceScatter = dynamic(() => import("./evidence-scatter"), {
  ssr: false,
  loading: () => <Skeleton className="h-64 w-full" label="Loading chart" />,
});

/** Below this many days, the benchmark's established links were ~70 % precise (~93 % at 90 days). */
const SHORT_HISTORY_DAYS = 90;

function fmt(n: number | null | undefined, digits = 3): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return Math.abs(n) < 0.001 && n !== 0 ? n.toExponential(1) : n.toFixed(digits);
}

function EdgePanel({
  edge,
  nodesById,
  rates,
}: {
  edge: CausalEdge;
  nodesById: Map<string, string>;
  rates: TierErrorRates | null | undefined;
}) {
  const pos = isPositive(edge.sign);
  const color = pos ? POSITIVE_COLOR : NEGATIVE_COLOR;
  return (
    <div className="space-y-5" data-testid="edge-panel">
      <div className="flex flex-wrap gap-2">
        <Badge variant={pos ? "warning" : "info"}>{pos ? "Raises" : "Lowers"}</Badge>
        <Badge>
          Lag {edge.lag} {edge.lag === 1 ? "day" : "days"}
        </Badge>
        <Badge>Strength {fmt(edge.strength, 2)}</Badge>
        {edge.confidence === "tentative" ? <Badge variant="neutral">Tentative</Badge> : null}
        {edge.confidence === "established" ? <Badge variant="success">Established</Badge> : null}
      </div>
      {edge.confidence === "tentative" ? (
        <p className="text-sm text-slate-600" data-testid="tentative-note">
          {tentativeNote(rates)}
        </p>
      ) : null}
      {edge.effect_text ? <p className="text-base font-medium text-slate-900">{edge.effect_text}</p> : null}
      <p className="text-sm leading-relaxed text-slate-700">{edge.explanation}</p>
      <dl className="grid grid-cols-3 gap-3 text-sm">
        <div>
          <dt className="text-xs text-slate-500">Effect (per unit)</dt>
          <dd className="font-medium">{fmt(edge.effect, 2)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">p</dt>
          <dd className="font-medium">{fmt(edge.p)}</dd>
        </div>
        <div>
          <dt className="text-xs text-slate-500">q (FDR)</dt>
          <dd className="font-medium">{fmt(edge.q)}</dd>
        </div>
      </dl>
      {edge.evidence && edge.evidence.x.length ? (
        <EvidenceScatter
          x={edge.evidence.x}
          y={edge.evidence.y}
          xLabel={edge.evidence.x_label || nodesById.get(edge.source) || edge.source}
          yLabel={edge.evidence.y_label || nodesById.get(edge.target) || edge.target}
          color={color}
        />
      ) : (
        <p className="text-sm text-slate-500">No evidence points were returned for this link.</p>
      )}
      <p className="text-xs text-slate-500">
        These links come from observational data. They suggest where to look, not what to change: talk to your care team before changing
        treatment.
      </p>
    </div>
  );
}

function Graph({ data }: { data: CausalGraphWithTiers }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const selectedId = params.get("edge");
  const selected = data.edges.find((e) => edgeId(e) === selectedId) ?? null;
  const nodesById = new Map(data.nodes.map((n) => [n.id, nodeLabel(n)]));

  const select = (id: string | null) => {
    const next = new URLSearchParams(params.toString());
    if (id) next.set("edge", id);
    else next.delete("edge");
    const qs = next.toString();
    router.replace(qs ? `${pathname}?${qs}` : pathname, { scroll: false });
  };

  if (data.edges.length === 0 && data.nodes.length === 0) {
    return <p className="text-sm text-slate-600">No links were found between your habits and your glucose.</p>;
  }

  const shortHistory = data.n_samples !== undefined && data.n_samples < SHORT_HISTORY_DAYS;
  return (
    <div className="space-y-4">
      {shortHistory ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900" data-testid="short-history-note">
          These links rest on {data.n_samples} days of data. Below {SHORT_HISTORY_DAYS} days even established links were wrong about one
          time in three in our simulations; treat them all as leads to check.
        </p>
      ) : null}
      <FlowGraph data={data} selected={selected ? selectedId : null} onSelect={select} />
      <div className="flex flex-wrap items-center gap-4 text-xs text-slate-600">
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-block h-1 w-6 rounded" style={{ background: POSITIVE_COLOR }} aria-hidden /> raises the outcome
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-block h-1 w-6 rounded" style={{ background: NEGATIVE_COLOR }} aria-hidden /> lowers the outcome
        </span>
        <span className="inline-flex items-center gap-1.5">
          <span className="inline-block w-6 border-t-2 border-dashed border-slate-500" aria-hidden /> tentative
        </span>
        <span>Thicker lines: stronger links. Features on the left, outcomes on the right; drag nodes to rearrange.</span>
      </div>
      {data.calendar === "weekend" ? (
        <p className="text-xs text-slate-600" data-testid="calendar-note">
          Weekly rhythms are allowed for: every link is tested given whether the day was a weekend day, so a weekend habit and weekend
          glucose are not linked just because both happen on Saturdays.
        </p>
      ) : null}
      <div>
        <h3 className="mb-2 text-sm font-medium">All links ({data.edges.length})</h3>
        <ul className="grid gap-2 sm:grid-cols-2">
          {data.edges.map((e) => (
            <li key={edgeId(e)}>
              <button
                type="button"
                onClick={() => select(edgeId(e))}
                className="flex w-full items-center gap-2 rounded-md border border-slate-200 bg-white px-3 py-2 text-left text-sm hover:bg-slate-50"
              >
                <span
                  className="inline-block size-2.5 shrink-0 rounded-full"
                  style={{ background: isPositive(e.sign) ? POSITIVE_COLOR : NEGATIVE_COLOR }}
                  aria-hidden
                />
                <span className="min-w-0 flex-1 truncate">
                  {nodesById.get(e.source)} → {nodesById.get(e.target)}
                </span>
                <span className="text-xs text-slate-500">
                  lag {e.lag} d{e.confidence === "tentative" ? " · tentative" : ""}
                </span>
              </button>
            </li>
          ))}
        </ul>
      </div>
      <Dialog open={selected !== null} onOpenChange={(open) => !open && select(null)}>
        {selected ? (
          <DialogContent
            side="right"
            title={`${nodesById.get(selected.source)} → ${nodesById.get(selected.target)}`}
            description="Why GlucoLens drew this link"
          >
            <EdgePanel edge={selected} nodesById={nodesById} rates={data.tier_error_rates} />
          </DialogContent>
        ) : null}
      </Dialog>
    </div>
  );
}

export function CausalGraphView() {
  return (
    <InsightPage
      title="Causal graph"
      description="Links between what you do and how your glucose responds, found with lagged causal discovery. Click a link to see the evidence."
    >
      <InsightCard<CausalGraphWithTiers>
        kind="causal-graph"
        title="What seems to drive your glucose"
        description="Each arrow reads “feature → outcome, days later”."
        skeletonHeight="h-[520px]"
      >
        {(data) => <Graph data={data} />}
      </InsightCard>
    </InsightPage>
  );
}
