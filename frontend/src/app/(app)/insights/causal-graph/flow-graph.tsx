"use client";
import {
  Background,
  BaseEdge,
  Controls,
  EdgeLabelRenderer,
  getBezierPath,
  MarkerType,
  Position,
  ReactFlow,
  useEdgesState,
  useNodesState,
  type Edge,
  type EdgeProps,
  type Node,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect } from "react";
import type { CausalGraphData } from "@/lib/insight-payloads";
import { variableName } from "@/lib/variables";
import { edgeId, isPositive, NEGATIVE_COLOR, POSITIVE_COLOR, strokeWidthFor } from "./edge-id";
import { bezierPoint, placeLabels, type EdgeGeometry } from "./label-layout";
import { nodeLabel } from "./node-label";

const COL_X = { feature: 0, outcome: 460 };
const NODE_W = 190;
// Rendered height of a one-line node (13 px text, 6 px padding, border): where its handles sit.
const NODE_H = 36;
const ROW_H = 58;

type LagEdgeData = { label: string; labelT: number };

/** A bezier edge whose lag label sits where `placeLabels` found room, not always at the middle. */
function LagEdge({
  id,
  sourceX,
  sourceY,
  targetX,
  targetY,
  sourcePosition,
  targetPosition,
  style,
  markerEnd,
  interactionWidth,
  data,
}: EdgeProps<Edge<LagEdgeData>>) {
  const [path] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const [x, y] = bezierPoint({ sx: sourceX, sy: sourceY, tx: targetX, ty: targetY }, data?.labelT ?? 0.5);
  return (
    <>
      <BaseEdge id={id} path={path} style={style} markerEnd={markerEnd} interactionWidth={interactionWidth} />
      {data?.label ? (
        <EdgeLabelRenderer>
          <div
            className="nodrag nopan pointer-events-none absolute whitespace-nowrap rounded bg-white/90 px-1 text-[11px] font-medium leading-[18px] text-slate-700"
            style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
            data-testid="edge-label"
          >
            {data.label}
          </div>
        </EdgeLabelRenderer>
      ) : null}
    </>
  );
}

const EDGE_TYPES = { lag: LagEdge };

function layout(data: CausalGraphData, selected: string | null): { nodes: Node[]; edges: Edge<LagEdgeData>[] } {
  const isOutcome = (kind: string) => kind === "outcome";
  const features = data.nodes.filter((n) => !isOutcome(n.kind));
  const outcomes = data.nodes.filter((n) => isOutcome(n.kind));
  const tallest = Math.max(features.length, outcomes.length, 1);
  const place = (list: typeof data.nodes, x: number): Node[] => {
    const offset = ((tallest - list.length) * ROW_H) / 2;
    return list.map((n, i) => ({
      id: n.id,
      position: { x, y: offset + i * ROW_H },
      data: { label: nodeLabel(n) },
      sourcePosition: Position.Right,
      targetPosition: Position.Left,
      ariaLabel: `${isOutcome(n.kind) ? "Outcome" : "Feature"}: ${n.label || n.id}`,
      style: {
        width: NODE_W,
        borderRadius: 10,
        fontSize: 13,
        padding: 6,
        borderColor: isOutcome(n.kind) ? "var(--color-brand-600)" : "var(--color-slate-400)",
        background: isOutcome(n.kind) ? "var(--color-brand-50)" : "var(--color-white)",
        color: "var(--color-slate-900)",
      },
    }));
  };
  const nodes = [...place(features, COL_X.feature), ...place(outcomes, COL_X.outcome)];
  const at = new Map(nodes.map((n) => [n.id, n.position]));
  const labelOf = (e: CausalGraphData["edges"][number]) => (e.confidence === "tentative" ? `lag ${e.lag} d · tentative` : `lag ${e.lag} d`);
  const geometry: EdgeGeometry[] = data.edges.map((e) => {
    const s = at.get(e.source) ?? { x: 0, y: 0 };
    const t = at.get(e.target) ?? { x: COL_X.outcome, y: 0 };
    return { id: edgeId(e), sx: s.x + NODE_W, sy: s.y + NODE_H / 2, tx: t.x, ty: t.y + NODE_H / 2, label: labelOf(e) };
  });
  const labelT = placeLabels(geometry);
  const edges: Edge<LagEdgeData>[] = data.edges.map((e) => {
    const id = edgeId(e);
    const color = isPositive(e.sign) ? POSITIVE_COLOR : NEGATIVE_COLOR;
    const width = strokeWidthFor(e.strength);
    return {
      id,
      type: "lag",
      source: e.source,
      target: e.target,
      data: { label: labelOf(e), labelT: labelT.get(id) ?? 0.5 },
      selected: id === selected,
      ariaLabel: `${variableName(e.source)} ${isPositive(e.sign) ? "raises" : "lowers"} ${variableName(e.target)}, lag ${e.lag} days, strength ${e.strength.toFixed(2)}${e.confidence === "tentative" ? ", tentative" : ""}`,
      style: {
        stroke: color,
        strokeWidth: id === selected ? width + 2 : width,
        strokeDasharray: e.confidence === "tentative" ? "6 4" : undefined,
      },
      markerEnd: { type: MarkerType.ArrowClosed, color, width: 16, height: 16 },
      interactionWidth: 18,
    };
  });
  return { nodes, edges };
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
  const [edges, setEdges, onEdgesChange] = useEdgesState<Edge<LagEdgeData>>([]);

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
        edgeTypes={EDGE_TYPES}
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
