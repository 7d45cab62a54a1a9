import { screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { PatternsView } from "./patterns-view";

// A motif as GET /insights/recurring-patterns returns it (insights/pipeline.patterns_step over
// analytics/motifs.Motif.to_dict): a low on 7 of 90 nights, lowest 58 mg/dL.
const motif = {
  id: "180-1",
  window_minutes: 180,
  label: "Recurring overnight low (around 03:00)",
  typical_hour: 3,
  mean_shape: [112, 95, 74, 61, 58, 70, 96, 118],
  occurrences: [{ start: "2024-02-03T07:30:00Z" }, { start: "2024-03-15T06:30:00Z" }],
  kind: "low",
  days: 8,
  event_days: 7,
  history_days: 90,
  extreme_mgdl: 58,
  rise_mgdl: null,
  score: 11.2,
  score_components: { margin: 0, clinical: 11.2, total: 11.2 },
};

const envelope = (data: unknown) => ({ status: "ok", computed_at: "2026-01-01T00:00:00Z", stale: false, job_id: null, data });

describe("PatternsView", () => {
  afterEach(() => vi.unstubAllGlobals());
  beforeEach(() => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insights/recurring-patterns": envelope({ unit: "mg/dL", motifs: [motif] }),
          "/insights/anomalies": envelope({ anomalies: [], novelty: null }),
        }),
      ),
    );
  });

  it("shows the label, how often it recurred and why, in mmol/L", async () => {
    signInTestUser({ unit: "mmol/L" });
    renderWithClient(<PatternsView />);
    const card = await screen.findByTestId("motif");
    expect(within(card).getByText("Recurring overnight low (around 03:00)")).toBeInTheDocument();
    expect(within(card).getByTestId("motif-why")).toHaveTextContent("7 nights in 90 days, lowest 3.2 mmol/L");
    expect(card).toHaveTextContent("2 times on 8 days");
    expect(card).toHaveTextContent("usually around 03:00");
  });

  it("shows the lowest reading in mg/dL for an mg/dL user", async () => {
    signInTestUser({ unit: "mg/dL" });
    renderWithClient(<PatternsView />);
    expect(await screen.findByTestId("motif-why")).toHaveTextContent("7 nights in 90 days, lowest 58 mg/dL");
  });
});
