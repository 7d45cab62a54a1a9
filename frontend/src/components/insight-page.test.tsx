import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { InsightCard, InsightPage } from "./insight-page";

const ok = (data: unknown) => ({ status: "ok", computed_at: "2026-01-01T00:00:00Z", stale: false, job_id: null, data });

describe("InsightPage", () => {
  beforeEach(() => signInTestUser());
  afterEach(() => vi.unstubAllGlobals());

  it("gives every card its own insight and state under one header with Recompute", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insights/recurring-patterns": ok({ motifs: [{ id: "m1" }, { id: "m2" }] }),
          "/insights/anomalies": {
            status: "insufficient_data",
            computed_at: null,
            stale: false,
            job_id: null,
            data: { reason: "Need 7 days." },
          },
        }),
      ),
    );
    renderWithClient(
      <InsightPage title="Patterns" description="Shapes that keep coming back.">
        <InsightCard<{ motifs: { id: string }[] }> kind="recurring-patterns" title="Recurring patterns" description="Average shapes">
          {(data) => <p data-testid="motif-count">{data.motifs.length} motifs</p>}
        </InsightCard>
        <InsightCard<{ anomalies: unknown[] }> kind="anomalies" title="Anomalies" description="Unusual periods">
          {(data) => <p>{data.anomalies.length} anomalies</p>}
        </InsightCard>
      </InsightPage>,
    );
    expect(screen.getByRole("heading", { level: 1, name: "Patterns" })).toBeInTheDocument();
    expect(screen.getByTestId("recompute")).toHaveTextContent("Recompute");
    expect(await screen.findByTestId("motif-count")).toHaveTextContent("2 motifs");
    const insufficient = await screen.findByTestId("insufficient-data");
    expect(insufficient).toHaveTextContent("Need 7 days.");
    expect(screen.queryByText(/\d+ anomalies/)).toBeNull();
    expect(screen.getByText("Recurring patterns")).toBeInTheDocument();
    expect(screen.getByText("Anomalies")).toBeInTheDocument();
  });
});
