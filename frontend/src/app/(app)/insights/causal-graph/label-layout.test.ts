import { describe, expect, it } from "vitest";
import { labelBox, overlap, placeLabels, type EdgeGeometry } from "./label-layout";

/** Every feature linked to every outcome, in the page's two-column layout. */
function denseGraph(features: number, outcomes: number): EdgeGeometry[] {
  const rowH = 58;
  const tallest = Math.max(features, outcomes);
  const y = (i: number, n: number) => ((tallest - n) * rowH) / 2 + i * rowH + 18;
  const edges: EdgeGeometry[] = [];
  for (let f = 0; f < features; f++) {
    for (let o = 0; o < outcomes; o++) {
      edges.push({
        id: `${f}-${o}`,
        sx: 190,
        sy: y(f, features),
        tx: 460,
        ty: y(o, outcomes),
        label: (f + o) % 3 ? "lag 1 d" : "lag 2 d · tentative",
      });
    }
  }
  return edges;
}

function overlaps(edges: EdgeGeometry[], at: (e: EdgeGeometry) => number): number {
  const boxes = edges.map((e) => labelBox(e, at(e)));
  let n = 0;
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i], boxes[j]) > 0) n++;
  return n;
}

describe("placeLabels", () => {
  it("keeps the labels of a typical graph apart", () => {
    const edges = denseGraph(6, 5).filter((_, i) => i % 3 === 0); // 10 links, as the demo data gives
    expect(overlaps(edges, () => 0.5)).toBeGreaterThan(0); // React Flow's midpoints collide
    const t = placeLabels(edges);
    expect(overlaps(edges, (e) => t.get(e.id)!)).toBe(0);
  });

  it("moves crossing edges' labels off their shared midpoint", () => {
    const edges: EdgeGeometry[] = [
      { id: "a", sx: 190, sy: 0, tx: 460, ty: 200, label: "lag 1 d" },
      { id: "b", sx: 190, sy: 200, tx: 460, ty: 0, label: "lag 2 d" },
    ];
    expect(overlaps(edges, () => 0.5)).toBe(1);
    const t = placeLabels(edges);
    expect(overlaps(edges, (e) => t.get(e.id)!)).toBe(0);
  });
});
