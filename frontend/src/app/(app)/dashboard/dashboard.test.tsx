import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import type { DashboardSummary, DataRange, GlucoseReading, SummaryWindow } from "@/lib/api-types";
import { Dashboard } from "./dashboard";

const NOW = "2026-03-31T12:00:00Z";

function win(days: number, mean: number | null, count: number): SummaryWindow {
  return {
    days,
    start: "2026-03-18T00:00:00Z",
    end: "2026-03-31T12:00:00Z",
    mean,
    sd: mean ? 1.9 : null,
    min: mean ? 3.1 : null,
    max: mean ? 14.2 : null,
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

const summaryFor = (days: number, count = 4000): DashboardSummary => ({
  unit: "mmol/L",
  timezone: "UTC",
  target_low: 3.9,
  target_high: 10,
  windows: [win(days, count ? 7.84 : null, count)],
});

const range = (over: Partial<DataRange> = {}): DataRange => ({
  timezone: "UTC",
  first_reading_at: "2025-12-01T00:00:00Z",
  last_reading_at: "2026-03-31T11:55:00Z",
  first_day: "2025-12-01",
  last_day: "2026-03-31",
  reading_count: 34_000,
  ...over,
});

function reading(minutesAgo: number, mgdl: number, trend: string | null): GlucoseReading {
  const t = new Date(Date.parse(NOW) - minutesAgo * 60000).toISOString();
  return {
    id: minutesAgo,
    timestamp: t,
    utc_offset_min: 0,
    value: mgdl,
    unit: "mg/dL",
    value_mgdl: mgdl,
    flag: null,
    trend,
    device: null,
    source: "demo",
    kind: "cgm",
    period_min: 5,
    duplicate_of: null,
    external_id: null,
    created_at: t,
  };
}

const agp = {
  unit: "mmol/L",
  days: 14,
  reading_count: 4000,
  bins: Array.from({ length: 288 }, (_, i) => ({ minute: i * 5, p5: 4, p25: 5, p50: 6, p75: 7, p95: 9 })),
};

// GET /api/v1/dashboard/variability (dashboard/schemas.py Variability), one metric is enough here.
const variability = {
  unit: "mmol/L",
  timezone: "UTC",
  days: 14,
  start: "2026-03-18T00:00:00Z",
  end: "2026-03-31T12:00:00Z",
  reading_count: 4000,
  whole_days: 14,
  interval_min: 5,
  metrics: [
    {
      key: "mage",
      label: "MAGE",
      value: 3.9,
      unit: "mmol/L",
      meaning: "Average size of the big swings.",
      reference: "0–2.8 mmol/L (0–50 mg/dL) in adults without diabetes",
      reference_low: 0,
      reference_high: 2.8,
      status: "ok",
      reason: null,
      min_whole_days: 1,
    },
  ],
};

/** Routes the dashboard's calls; records the query of each summary request and any daily request. */
function serve(over: Record<string, unknown> = {}, summary: (days: number) => DashboardSummary = summaryFor) {
  const summaryQueries: URLSearchParams[] = [];
  const dailyQueries: URLSearchParams[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    if (url.includes("/dashboard/summary")) {
      const q = new URLSearchParams(url.split("?")[1]);
      summaryQueries.push(q);
      return jsonResponse(200, summary(Number(q.get("days"))));
    }
    if (url.includes("/dashboard/daily")) {
      const q = new URLSearchParams(url.split("?")[1]);
      dailyQueries.push(q);
      return jsonResponse(500, { error: { code: "internal", message: "the dashboard does not read per-day rows" } });
    }
    return routeFetch({
      "/dashboard/data-range": range(),
      "/glucose": { items: [reading(4, 131, "fortyFiveUp"), reading(9, 124, "flat")], next_cursor: null },
      "/glucose/series": { unit: "mmol/L", total: 2, downsampled: false, bucket_s: null, points: [{ t: NOW, v: 6.1 }] },
      "/dashboard/agp": agp,
      "/dashboard/variability": variability,
      ...over,
    })(input, init);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { fetchMock, summaryQueries, dailyQueries };
}

describe("Dashboard", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date(NOW));
    signInTestUser({ unit: "mmol/L", timezone: "UTC" });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("puts the current reading first: value, trend arrow, change since the previous reading and age", async () => {
    serve();
    renderWithClient(<Dashboard />);
    const tile = await screen.findByTestId("current-reading");
    await waitFor(() => expect(within(tile).getByTestId("current-value")).toHaveTextContent("7.3"));
    expect(within(tile).getByTestId("current-trend")).toHaveTextContent("↗");
    expect(within(tile).getByRole("img", { name: "Rising slowly" })).toBeInTheDocument();
    expect(within(tile).getByTestId("current-change")).toHaveTextContent("+0.4 mmol/L");
    expect(tile).toHaveTextContent("in 5 min");
    expect(within(tile).getByTestId("current-age")).toHaveTextContent("4 min ago");
  });

  it("shows the key metrics once, without the average glucose cards, and says which window the TIR legend shows", async () => {
    serve();
    renderWithClient(<Dashboard />);
    expect(await screen.findByTestId("stat-gmi")).toHaveTextContent("6.6%");
    expect(screen.getByTestId("stat-mean")).toHaveTextContent("7.8");
    expect(screen.getByTestId("stat-cv")).toHaveTextContent("28.4%");
    expect(screen.getByTestId("stat-tir")).toHaveTextContent("73%");
    expect(screen.queryByText(/Average glucose/)).toBeNull();
    expect(screen.queryByTestId("avg-7")).toBeNull();
    expect(screen.getByTestId("tir-legend-caption")).toHaveTextContent("14 days: 18 Mar 2026 – 31 Mar 2026");
    expect(await screen.findByRole("img", { name: /Ambulatory glucose profile/ })).toBeInTheDocument();
  });

  it("shows the period's variability below the AGP, asked for the same days", async () => {
    const { fetchMock } = serve();
    renderWithClient(<Dashboard />);
    expect(await screen.findByTestId("var-mage-value")).toHaveTextContent("3.9mmol/L");
    const call = fetchMock.mock.calls.map((c) => String(c[0])).find((u) => u.includes("/dashboard/variability"));
    expect(call).toContain("days=14");
    expect(call).toContain("end=2026-03-31");
  });

  it("opens on the latest period with data when the newest reading is more than a day old, and says so", async () => {
    const { summaryQueries, fetchMock } = serve({
      "/dashboard/data-range": range({ last_reading_at: "2026-02-10T21:40:00Z", last_day: "2026-02-10" }),
    });
    renderWithClient(<Dashboard />);
    expect(await screen.findByTestId("period-anchored")).toHaveTextContent(/newest reading is from 10 Feb 2026/);
    expect(screen.getByTestId("period-label")).toHaveTextContent("14 days: 28 Jan 2026 – 10 Feb 2026");
    await waitFor(() => expect(summaryQueries.at(-1)?.get("end")).toBe("2026-02-10"));
    expect(summaryQueries.at(-1)?.get("days")).toBe("14");
    const agpCall = fetchMock.mock.calls.map(([u]) => String(u)).find((u) => u.includes("/dashboard/agp"));
    expect(agpCall).toContain("end=2026-02-10");
    expect(screen.queryByText("No glucose readings yet")).toBeNull();
  });

  it("shows the empty state only when the account has no readings at all", async () => {
    serve({
      "/dashboard/data-range": range({ reading_count: 0, first_reading_at: null, last_reading_at: null, first_day: null, last_day: null }),
    });
    renderWithClient(<Dashboard />);
    expect(await screen.findByText("No glucose readings yet")).toBeInTheDocument();
  });

  it("switches presets and steps to the previous and next period", async () => {
    const { summaryQueries } = serve();
    renderWithClient(<Dashboard />);
    await screen.findByTestId("stat-gmi");
    const presets = screen.getByLabelText("Period length");
    fireEvent.click(within(presets).getByRole("radio", { name: "7 days" }));
    await waitFor(() => expect(summaryQueries.at(-1)?.get("days")).toBe("7"));
    expect(screen.getByRole("button", { name: "Next period" })).toBeDisabled();
    fireEvent.click(screen.getByRole("button", { name: "Previous period" }));
    await waitFor(() => expect(summaryQueries.at(-1)?.get("end")).toBe("2026-03-24"));
    expect(screen.getByTestId("period-label")).toHaveTextContent("7 days: 18 Mar 2026 – 24 Mar 2026");
    fireEvent.click(screen.getByRole("button", { name: "Next period" }));
    await waitFor(() => expect(summaryQueries.at(-1)?.get("end")).toBe("2026-03-31"));
  });

  it("applies a custom range from the date picker, with the server's metrics and sufficiency verdict for it", async () => {
    // A 10-day window the server calls sufficient: the verdict shown is the server's, not a rule of the browser's.
    const { summaryQueries, dailyQueries } = serve({}, (days) => ({
      ...summaryFor(days),
      windows: [{ ...win(days, 7.84, 2600), sufficient_data: days === 10 }],
    }));
    renderWithClient(<Dashboard />);
    await screen.findByTestId("stat-gmi");
    fireEvent.click(screen.getByTestId("period-custom"));
    const dialog = await screen.findByRole("dialog");
    fireEvent.change(within(dialog).getByLabelText("From"), { target: { value: "2026-03-02" } });
    fireEvent.change(within(dialog).getByLabelText("To"), { target: { value: "2026-03-11" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Show this period" }));
    await waitFor(() => expect(summaryQueries.at(-1)?.get("days")).toBe("10"));
    expect(summaryQueries.at(-1)?.get("end")).toBe("2026-03-11");
    expect(screen.getByTestId("period-label")).toHaveTextContent("10 days: 2 Mar 2026 – 11 Mar 2026");
    await waitFor(() => expect(screen.getByText("Sufficient data")).toBeInTheDocument());
    expect(screen.getByTestId("stat-mean")).toHaveTextContent("7.8");
    expect(screen.getByTestId("stat-wear")).toHaveTextContent("93%");
    expect(dailyQueries).toHaveLength(0);
  });

  it("shows a single day from the server's summary of that day", async () => {
    const { summaryQueries, dailyQueries } = serve();
    renderWithClient(<Dashboard />);
    await screen.findByTestId("stat-gmi");
    fireEvent.click(within(screen.getByLabelText("Period length")).getByRole("radio", { name: "1 day" }));
    await waitFor(() => expect(summaryQueries.at(-1)?.get("days")).toBe("1"));
    expect(summaryQueries.at(-1)?.get("end")).toBe("2026-03-31");
    expect(screen.getByTestId("period-label")).toHaveTextContent("1 day: 31 Mar 2026");
    await waitFor(() => expect(screen.getByTestId("stat-mean")).toHaveTextContent("7.8"));
    expect(screen.getByText(/Limited data/)).toBeInTheDocument();
    expect(dailyQueries).toHaveLength(0);
  });

  it("offers demo data when there are no readings and loads it", async () => {
    let loaded = false;
    const fetchMock = vi.fn(
      routeFetch({
        "/dashboard/data-range": () =>
          jsonResponse(200, loaded ? range() : range({ reading_count: 0, last_reading_at: null, last_day: null })),
        "/dashboard/summary": () => jsonResponse(200, summaryFor(14)),
        "/glucose": { items: [reading(4, 131, "flat")], next_cursor: null },
        "/glucose/series": { unit: "mmol/L", total: 0, downsampled: false, points: [] },
        "/dashboard/agp": agp,
        "/demo/load": () => {
          loaded = true;
          return jsonResponse(201, { glucose: 100, sleep: 1, meals: 1, activities: 1, insulin: 0 });
        },
      }),
    );
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<Dashboard />);
    const button = await screen.findByTestId("load-demo");
    expect(screen.getByRole("link", { name: /Import a file/ })).toHaveAttribute("href", expect.stringMatching(/^\/data\/import\/?$/));
    fireEvent.click(button);
    await waitFor(() => expect(screen.getByTestId("stat-gmi")).toBeInTheDocument());
    expect(fetchMock.mock.calls.some(([u, i]) => String(u).endsWith("/demo/load") && i?.method === "POST")).toBe(true);
  });

  it("shows an error state with retry instead of a blank page", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => jsonResponse(500, { error: { code: "internal", message: "Database down" } })),
    );
    renderWithClient(<Dashboard />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Database down");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
