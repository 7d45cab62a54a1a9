import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { CorrelationsView } from "./correlations-view";

const data = {
  features: ["sleep_duration_h", "total_carbs_g", "steps"],
  outcomes: ["tir_pct", "cv_pct", "mean_glucose"],
  lags: [0, 1],
  cells: [{ feature: "sleep_duration_h", outcome: "tir_pct", lag: 0, pearson_r: 0.42, spearman_r: 0.4, p: 0.001, q: 0.01, n: 80 }],
};

describe("CorrelationsView", () => {
  beforeEach(() => {
    signInTestUser({ unit: "mmol/L" });
    vi.stubGlobal(
      "fetch",
      vi.fn(routeFetch({ "/insights/correlations": { status: "ok", computed_at: null, stale: false, job_id: null, data } })),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("names rows and columns in words with units, not code names", async () => {
    renderWithClient(<CorrelationsView />);
    const table = await screen.findByTestId("correlation-heatmap");
    for (const label of ["Time in range (%)", "Glucose CV (%)", "Mean glucose (mmol/L)", "Sleep (h)", "Carbs per day (g)", "Steps"]) {
      expect(table).toHaveTextContent(label);
    }
    expect(table).not.toHaveTextContent(/Tir pct|Cv pct|Sleep duration h/);
    expect(screen.getByRole("button", { name: /^Sleep vs Time in range, lag 0: r = 0.42/ })).toBeInTheDocument();
  });
});
