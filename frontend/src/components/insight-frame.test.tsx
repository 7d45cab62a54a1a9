import { screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useInsight } from "@/hooks/queries";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { InsightFrame } from "./insight-frame";

function Probe() {
  const { insight, job } = useInsight<{ value: number }>("predictions");
  return (
    <InsightFrame insight={insight} job={job}>
      {(d) => <p>value {d.value}</p>}
    </InsightFrame>
  );
}

describe("InsightFrame", () => {
  beforeEach(() => signInTestUser());
  afterEach(() => vi.unstubAllGlobals());

  it("shows the reason for insufficient data", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insights/predictions": {
            status: "insufficient_data",
            computed_at: null,
            stale: false,
            job_id: null,
            data: { reason: "Need 3 days of readings." },
          },
        }),
      ),
    );
    renderWithClient(<Probe />);
    expect(await screen.findByTestId("insufficient-data")).toHaveTextContent("Need 3 days of readings.");
  });

  it("polls a pending job and then shows the result", async () => {
    let done = false;
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insights/predictions": () =>
            done
              ? jsonResponse(200, { status: "ok", computed_at: "2026-01-01T00:00:00Z", stale: false, job_id: null, data: { value: 42 } })
              : jsonResponse(202, { status: "pending", computed_at: null, stale: false, job_id: "j1", data: null }),
          "/insights/jobs/j1": () => {
            done = true;
            return jsonResponse(200, { id: "j1", status: "done", progress: 1, error: null });
          },
        }),
      ),
    );
    renderWithClient(<Probe />);
    expect(await screen.findByText(/Crunching your data/)).toBeInTheDocument();
    expect(await screen.findByText("value 42", {}, { timeout: 3000 })).toBeInTheDocument();
  });

  it("tells the truth about how long the job takes and shows its step and time so far", async () => {
    const started = new Date(Date.now() - 12_000).toISOString();
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insights/predictions": () =>
            jsonResponse(202, { status: "pending", computed_at: null, stale: false, job_id: "j2", data: null }),
          "/insights/jobs/j2": {
            id: "j2",
            status: "running",
            progress: 0.1,
            step: "causal_graph",
            error: null,
            created_at: started,
            started_at: started,
          },
        }),
      ),
    );
    renderWithClient(<Probe />);
    const progress = await screen.findByTestId("job-progress");
    await waitFor(() => expect(progress).toHaveTextContent(/Step 2/));
    expect(progress).toHaveTextContent(/Step 2 of 5: looking for links between days \(causal graph\) · 10% · 1[2-4] s so far/);
    const note = screen.getByTestId("job-duration-note");
    expect(note).not.toHaveTextContent(/few seconds/);
    expect(note).toHaveTextContent("30 seconds");
  });

  it("says a failed job failed in words, not with the exception's name", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insights/predictions": () =>
            jsonResponse(202, { status: "pending", computed_at: null, stale: false, job_id: "j3", data: null }),
          "/insights/jobs/j3": { id: "j3", status: "failed", progress: 0.4, step: "causal_graph", error: "LinAlgError" },
        }),
      ),
    );
    renderWithClient(<Probe />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Something went wrong while computing it.");
    expect(alert).not.toHaveTextContent("LinAlgError");
  });
});
