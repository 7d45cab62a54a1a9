import { describe, expect, it } from "vitest";
import type { Job } from "@/lib/api-types";
import { partOf, readyKinds } from "./insights";

// Shape: GET /api/v1/insights/jobs/{id} (JobOut) while the job is between its quick stage
// and PCMCI, as the server sends it (insights/pipeline.part_states).
const running: Job = {
  id: "0b8f2f4e-7d3c-4a53-9a7e-3c1d2e5f6a70",
  status: "running",
  progress: 0.15,
  step: "causal_graph",
  error: null,
  created_at: "2026-12-07T14:00:00Z",
  started_at: "2026-12-07T14:00:01Z",
  finished_at: null,
  parts: {
    correlations: "ready",
    predictions: "ready",
    causal_graph: "pending",
    recurring_patterns: "pending",
    anomalies: "failed",
  },
};

describe("insight job parts", () => {
  it("names the stored parts by their routes, and only those", () => {
    expect(readyKinds(running)).toBe("correlations,predictions");
    expect(readyKinds({ ...running, parts: { causal_graph: "ready", recurring_patterns: "ready" } })).toBe(
      "causal-graph,recurring-patterns",
    );
  });

  it("has nothing ready without a job or parts", () => {
    expect(readyKinds(undefined)).toBe("");
    expect(readyKinds({ ...running, parts: undefined })).toBe("");
  });

  it("maps a route to the job's part name", () => {
    expect(partOf("recurring-patterns")).toBe("recurring_patterns");
    expect(partOf("correlations")).toBe("correlations");
  });
});
