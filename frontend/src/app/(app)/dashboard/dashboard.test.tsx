import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import type { DashboardSummary, SummaryWindow } from "@/lib/types";
import { Dashboard } from "./dashboard";

function win(days: number, mean: number | null, count: number): SummaryWindow {
  return {
    days,
    start: "2026-01-01T00:00:00Z",
    end: "2026-03-31T00:00:00Z",
    mean,
    sd: mean ? 1.9 : null,
    cv_pct: mean ? 28.4 : null,
    gmi_pct: mean ? 6.62 : null,
    reading_count: count,
    expected_count: days * 288,
    wear_pct: count ? 93 : 0,
    days_with_data: count ? days : 0,
    sufficient_data: days >= 14 && count > 0,
    bands: { very_low_pct: 1, low_pct: 3, in_range_pct: count ? 72.5 : 0, high_pct: 18, very_high_pct: 5.5 },
    target_pct: 72.5,
  };
}

const summary = (count: number): DashboardSummary => ({
  unit: "mmol/L",
  target_low: 3.9,
  target_high: 10,
  windows: [7, 14, 30, 90].map((d) => win(d, count ? 7.84 + d / 100 : null, count)),
});

describe("Dashboard", () => {
  beforeEach(() => signInTestUser({ unit: "mmol/L" }));
  afterEach(() => vi.unstubAllGlobals());

  it("shows the averages in the unit the API names, and the metrics", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/dashboard/summary": summary(4000),
          "/glucose/series": { unit: "mmol/L", total: 2, downsampled: false, points: [{ t: new Date().toISOString(), v: 6.1 }] },
          "/dashboard/agp": {
            unit: "mmol/L",
            days: 14,
            reading_count: 4000,
            bins: Array.from({ length: 288 }, (_, i) => ({ minute: i * 5, p5: 4, p25: 5, p50: 6, p75: 7, p95: 9 })),
          },
        }),
      ),
    );
    renderWithClient(<Dashboard />);
    expect(await screen.findByTestId("avg-7")).toHaveTextContent("7.9");
    expect(screen.getByTestId("avg-90")).toHaveTextContent("8.7");
    expect(screen.getByTestId("stat-gmi")).toHaveTextContent("6.6%");
    expect(screen.getByTestId("stat-cv")).toHaveTextContent("28.4%");
    expect(screen.getByText(/At or below 36%/)).toBeInTheDocument();
    expect(screen.getAllByText("Sufficient data").length).toBeGreaterThan(0);
    expect(await screen.findByRole("img", { name: /Ambulatory glucose profile/ })).toBeInTheDocument();
  });

  it("offers demo data when there are no readings and loads it", async () => {
    let loaded = false;
    const fetchMock = vi.fn(
      routeFetch({
        "/dashboard/summary": () => jsonResponse(200, summary(loaded ? 100 : 0)),
        "/glucose/series": { unit: "mmol/L", total: 0, downsampled: false, points: [] },
        "/dashboard/agp": { unit: "mmol/L", days: 14, reading_count: 0, bins: [] },
        "/demo/load": () => {
          loaded = true;
          return jsonResponse(201, { glucose: 100, sleep: 1, meals: 1, activities: 1, insulin: 0 });
        },
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<Dashboard />);
    const button = await screen.findByTestId("load-demo");
    expect(screen.getByRole("link", { name: /Import a CSV/ })).toHaveAttribute("href", expect.stringMatching(/^\/data\/glucose\/?$/));
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByTestId("avg-7")).toBeInTheDocument());
    expect(fetchMock.mock.calls.some(([u, i]) => String(u).endsWith("/demo/load") && i?.method === "POST")).toBe(true);
  });

  it("shows an error state with retry instead of a blank page", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => jsonResponse(500, { error: { code: "internal", message: "Database down" } })));
    renderWithClient(<Dashboard />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Database down");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
