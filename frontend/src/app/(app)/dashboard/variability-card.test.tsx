import { screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useVariability } from "@/hooks/queries";
import type { VariabilityMetric, VariabilityResponse } from "@/lib/api-types";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { VariabilityCard } from "./variability-card";

// Shape of GET /api/v1/dashboard/variability (backend dashboard/schemas.py Variability) for a
// mmol/L user: values and ranges come in the user's unit, indices without one.
function metric(over: Partial<VariabilityMetric> & Pick<VariabilityMetric, "key" | "label">): VariabilityMetric {
  return {
    value: null,
    unit: null,
    meaning: `What ${over.label} means.`,
    reference: `Range for ${over.label} (Hill et al. 2011)`,
    reference_low: null,
    reference_high: null,
    status: "ok",
    reason: null,
    min_whole_days: 1,
    ...over,
  };
}

function response(metrics: VariabilityMetric[], wholeDays = 14): VariabilityResponse {
  return {
    unit: "mmol/L",
    timezone: "UTC",
    days: 14,
    start: "2026-03-18T00:00:00Z",
    end: "2026-03-31T12:00:00Z",
    reading_count: 3900,
    whole_days: wholeDays,
    interval_min: 5,
    metrics,
  };
}

function Harness() {
  const q = useVariability({ days: 14, end: "2026-03-31" });
  return <VariabilityCard query={q} periodText="14 days" />;
}

function serve(body: VariabilityResponse | ((init?: RequestInit) => Response)) {
  const fetchMock = vi.fn(routeFetch({ "/dashboard/variability": body }));
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

describe("VariabilityCard", () => {
  beforeEach(() => signInTestUser({ unit: "mmol/L", timezone: "UTC" }));
  afterEach(() => vi.unstubAllGlobals());

  it("shows each metric in the user's unit with its meaning, reference and where it sits", async () => {
    const fetchMock = serve(
      response([
        metric({ key: "mage", label: "MAGE", value: 4.23, unit: "mmol/L", reference_low: 0, reference_high: 2.8 }),
        metric({ key: "mag", label: "MAG", value: 1.4, unit: "mmol/L/h", reference_low: 0.5, reference_high: 2.2 }),
        metric({ key: "lbgi", label: "LBGI", value: 0.456, reference_low: 0, reference_high: 6.9 }),
        metric({ key: "conga_1h", label: "CONGA-1", value: 1.94, unit: "mmol/L" }),
      ]),
    );
    renderWithClient(<Harness />);
    const mage = await screen.findByTestId("var-mage");
    expect(within(mage).getByTestId("var-mage-value")).toHaveTextContent("4.2mmol/L");
    expect(mage).toHaveTextContent("Above reference");
    expect(mage).toHaveTextContent("What MAGE means.");
    expect(mage).toHaveTextContent("Reference: Range for MAGE (Hill et al. 2011)");
    expect(screen.getByTestId("var-mag")).toHaveTextContent("Within reference");
    expect(screen.getByTestId("var-mag-value")).toHaveTextContent("1.4mmol/L/h");
    expect(screen.getByTestId("var-lbgi-value")).toHaveTextContent("0.46");
    // no published range: no verdict either way
    expect(screen.getByTestId("var-conga_1h")).not.toHaveTextContent(/reference$|Within|Above|Below/);
    expect(String(fetchMock.mock.calls[0][0])).toContain("days=14");
    expect(screen.queryByTestId("variability-empty")).toBeNull();
  });

  it("says why a metric has no value instead of showing one", async () => {
    serve(
      response([
        metric({ key: "mage", label: "MAGE", value: 4.2, unit: "mmol/L", reference_high: 2.8 }),
        metric({ key: "modd", label: "MODD", status: "insufficient", reason: "needs two consecutive whole days", reference_high: 3.5 }),
      ]),
    );
    renderWithClient(<Harness />);
    const modd = await screen.findByTestId("var-modd");
    expect(within(modd).getByTestId("var-modd-value")).toHaveTextContent("—");
    expect(within(modd).getByTestId("var-modd-reason")).toHaveTextContent("Not enough data: needs two consecutive whole days");
    expect(modd).not.toHaveTextContent(/Within reference|Above reference/);
  });

  it("has an empty state when no metric has enough data", async () => {
    serve(response([metric({ key: "mage", label: "MAGE", status: "insufficient", reason: "needs 1 whole day" })], 0));
    renderWithClient(<Harness />);
    expect(await screen.findByTestId("variability-empty")).toHaveTextContent("(0 such days here)");
  });

  it("offers a retry when the request fails", async () => {
    serve(() => jsonResponse(500, { error: { code: "internal", message: "boom" } }));
    renderWithClient(<Harness />);
    expect(await screen.findByRole("button", { name: /retry|try again/i })).toBeInTheDocument();
  });
});
