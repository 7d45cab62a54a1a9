import { fireEvent, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { MealsInsightView } from "./meals-view";

// Shaped like GET /api/v1/insights/meals (backend/glucolens/insights/meal_schemas.py).
const thresholds = { min_group: 5, min_food_meals: 2, short_sleep_h: 6, active_before_h: 3, min_coverage_pct: 70 };
const meal = (id: number, over: Record<string, unknown> = {}) => ({
  meal_id: id,
  timestamp: "2026-03-02T07:00:00Z",
  description: "Oats",
  food: "oats",
  meal_type: "breakfast",
  carbs_g: 40,
  baseline: 100,
  peak: 156,
  peak_rise: 56,
  time_to_peak_min: 45,
  iauc: 3150,
  back_to_baseline_min: 108,
  coverage_pct: 100,
  confidence: "high",
  reasons: [],
  time_of_day: "morning",
  sleep_h: null,
  short_sleep: null,
  active_before: null,
  ...over,
});
const empty = {
  unit: "mg/dL",
  timezone: "Europe/London",
  days: 30,
  start: "2026-02-01T00:00:00Z",
  end: "2026-03-03T00:00:00Z",
  n_meals: 0,
  n_measured: 0,
  n_high_confidence: 0,
  meals: [],
  ranked_meal_ids: [],
  foods: [],
  foods_status: "too_few",
  comparisons: [],
  thresholds,
};
const full = {
  ...empty,
  n_meals: 3,
  n_measured: 3,
  n_high_confidence: 2,
  meals: [
    meal(1),
    meal(2, { food: "pasta", description: "Pasta", peak_rise: 80, iauc: 5200 }),
    meal(3, { confidence: "low", reasons: ["gappy"] }),
  ],
  ranked_meal_ids: [2, 1],
  foods: [{ food: "pasta", n: 2, n_low_confidence: 0, median_iauc: 5200, median_peak_rise: 80, median_time_to_peak_min: 50 }],
  comparisons: [
    {
      dimension: "time_of_day",
      status: "too_few",
      groups: [{ key: "morning", label: "Morning (05–11)", n: 2, median_iauc: 4000, median_peak_rise: 60 }],
      p_value: null,
      higher: null,
    },
    { dimension: "activity", status: "no_data", groups: [], p_value: null, higher: null },
  ],
};
const detail = {
  unit: "mg/dL",
  timezone: "Europe/London",
  response: meal(2, { food: "pasta", peak_rise: 80 }),
  trace: [
    { minute: -30, value: 100 },
    { minute: 0, value: 100 },
    { minute: 45, value: 180 },
    { minute: 180, value: 100 },
  ],
};

describe("MealsInsightView", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("says where to log meals when there are none", async () => {
    signInTestUser();
    vi.stubGlobal("fetch", vi.fn(routeFetch({ "/insights/meals": empty })));
    renderWithClient(<MealsInsightView />);
    expect(await screen.findByTestId("meals-empty")).toHaveTextContent("No meals logged in the last 30 days");
  });

  it("ranks high-confidence meals, counts the ones left out and shows a trace on demand", async () => {
    signInTestUser();
    vi.stubGlobal("fetch", vi.fn(routeFetch({ "/insights/meals": full, "/insights/meals/2": detail })));
    renderWithClient(<MealsInsightView />);
    const table = await screen.findByTestId("ranked-meals");
    const rows = within(table).getAllByRole("row").slice(1);
    expect(rows.map((r) => within(r).getByRole("button").textContent)).toEqual(["Pasta", "Oats"]);
    expect(rows[0]).toHaveTextContent("+80 mg/dL");
    expect(screen.getByTestId("left-out")).toHaveTextContent("1 of 3 meals are low confidence");
    expect(screen.getByTestId("left-out")).toHaveTextContent("gaps in the sensor readings (1)");
    expect(screen.getByTestId("comparison-time_of_day")).toHaveTextContent("Too few meals to compare");
    expect(screen.getByTestId("comparison-activity")).toHaveTextContent("No activities logged");
    fireEvent.click(within(rows[0]).getByRole("button"));
    expect(await screen.findByTestId("meal-trace")).toBeInTheDocument();
    expect(screen.getByTestId("meal-detail")).toHaveTextContent("back to baseline 1 h 48 min");
  });

  it("shows mmol/L when the answer is in mmol/L", async () => {
    signInTestUser({ unit: "mmol/L" });
    const mmol = { ...full, unit: "mmol/L", meals: full.meals.map((m) => ({ ...m, peak_rise: 3.1 })) };
    vi.stubGlobal("fetch", vi.fn(routeFetch({ "/insights/meals": mmol })));
    renderWithClient(<MealsInsightView />);
    const table = await screen.findByTestId("ranked-meals");
    expect(table).toHaveTextContent("+3.1 mmol/L");
  });
});
