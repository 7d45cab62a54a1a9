"use client";
import {
  Background,
  Controls,
  MarkerType,
  Position,
  ReactFlow,
  useEdgesState,
  useNodesState,
  type Edge,
  type Node,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect } from "react";
import { prettyName } from "@/components/insight-frame";
import type { CausalGraphData } from "@/lib/types";
import { edgeId, isPositive, NEGATIVE_COLOR, POSITIVE_COLOR, strokeWidthFor } from "./edge-id";

const COL_X = { feature: 0, outcome: 460 };
const ROW_H = 58;

function layout(data: CausalGraphData, selected: string | null): { nodes: Node[]; edges: Edge[] } {
  const isOutcome = (kind: string) => kind === "outcome";
  const features = data.nodes.filter((n) => !isOutcome(n.kind));
  const outcomes = data.nodes.filter((n) => isOutcome(n.kind));
  const tallest = Math.max(features.length, outcomes.length, 1);
  const place = (list: typeof data.nodes, x: number): Node[] => {
    const offset = ((tallest - list.length) * ROW_H) / 2;
    return list.map((n, i) => ({
      id: n.id,
      position: { x, y: offset + i * ROW_H },
      data: { label: `${n.label || prettyName(n.id)}${n.unit ? ` (${n.unit})` : ""}` },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      ariaLabel: `${isOutcome(n.kind) ? "Outcome" : "Feature"}: ${n.label || n.id}`,
      style: {
        width: 190,
        borderRadius: 10,
        fontSize: 13,
        padding: 6,
        borderColor: isOutcome(n.kind) ? "var(--color-brand-600)" : "var(--color-slate-400)",
        background: isOutcome(n.kind) ? "var(--color-brand-50)" : "var(--color-white)",
        color: "var(--color-slate-900)",
      },
    }));
  };
  const edges: Edge[] = data.edges.map((e) => {
    const id = edgeId(e);
    const color = isPositive(e.sign) ? POSITIVE_COLOR : NEGATIVE_COLOR;
    const width = strokeWidthFor(e.strength);
    return {
      id,
      source: e.source,
      target: e.target,
      label: e.confidence === "tentative" ? `lag ${e.lag} d · tentative` : `lag ${e.lag} d`,
      selected: id === selected,
      ariaLabel: `${prettyName(e.source)} ${isPositive(e.sign) ? "raises" : "lowers"} ${prettyName(e.target)}, lag ${e.lag} days, strength ${e.strength.toFixed(2)}${e.confidence === "tentative" ? ", tentative" : ""}`,
      style: {
        stroke: color,
        strokeWidth: id === selected ? width + 2 : width,
        strokeDasharray: e.confidence === "tentative" ? "6 4" : undefined,
      },
      labelStyle: { fill: "var(--color-slate-700)", fontSize: 11, fontWeight: 500 },
      labelBgStyle: { fill: "var(--color-white)", fillOpacity: 0.9 },
      labelBgPadding: [4, 2] as [number, number],
      markerEnd: { type: MarkerType.ArrowClosed, color, width: 16, height: 16 },
      interactionWidth: 18,
    };
  });
  return { nodes: [...place(features, COL_X.feature), ...place(outcomes, COL_X.outcome)], edges };
}

export default function FlowGraph({
  data,
  selected,
  onSelect,
}: {
  data: CausalGraphData;
  selected: string | null;
  onSelect: (id: string) => void;
}) {
  const [nodes, setNodes, onNodesChange] = useNodesState<Node>([]);
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge>([]);

  useEffect(() => {
    const l = layout(data, null);
    setNodes(l.nodes);
    setEdges(l.edges);
  }, [data, setNodes, setEdges]);

  useEffect(() => {
    setEdges((es) =>
      es.map((e) => {
        const base = data.edges.find((d) => edgeId(d) === e.id);
        const width = base ? strokeWidthFor(base.strength) : 2;
        return { ...e, selected: e.id === selected, style: { ...e.style, strokeWidth: e.id === selected ? width + 2 : width } };
      }),
    );
  }, [selected, data.edges, setEdges]);

  return (
    <div className="h-[520px] w-full rounded-lg border border-slate-200 bg-slate-50" data-testid="causal-flow">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onEdgeClick={(_, edge) => onSelect(edge.id)}
        nodesDraggable
        nodesConnectable={false}
        elementsSelectable
        fitView
        fitViewOptions={{ padding: 0.15 }}
        minZoom={0.3}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={24} color="var(--color-chart-grid)" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
