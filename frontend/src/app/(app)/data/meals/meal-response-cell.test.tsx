import { screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { MealResponseCell } from "./meal-response-cell";

// Shaped like MealResponseOut (backend/glucolens/insights/meal_schemas.py).
const response = (id: number, over: Record<string, unknown> = {}) => ({
  meal_id: id,
  timestamp: new Date(Date.now() - 3 * 3600000).toISOString(),
  description: "Oats",
  food: "oats",
  meal_type: null,
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
const list = (meals: unknown[]) => ({
  unit: "mg/dL",
  timezone: "UTC",
  days: 30,
  start: "2026-01-01T00:00:00Z",
  end: "2026-01-31T00:00:00Z",
  n_meals: meals.length,
  n_measured: meals.length,
  n_high_confidence: 0,
  meals,
  ranked_meal_ids: [],
  foods: [],
  foods_status: "too_few",
  comparisons: [],
  thresholds: { min_group: 5, min_food_meals: 2, short_sleep_h: 6, active_before_h: 3, min_coverage_pct: 70 },
});

describe("MealResponseCell", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("shows a recent meal's rise and peak time from the list, flagged when low confidence", async () => {
    signInTestUser();
    const fetch = vi.fn(routeFetch({ "/insights/meals": list([response(7, { confidence: "low", reasons: ["meal_after"] })]) }));
    vi.stubGlobal("fetch", fetch);
    renderWithClient(<MealResponseCell id={7} />);
    const cell = await screen.findByTestId("meal-response-7");
    expect(cell).toHaveTextContent("+56 mg/dL");
    expect(cell).toHaveTextContent("at 45 min");
    expect(cell).toHaveTextContent("low confidence");
    expect(cell).toHaveAttribute("title", "Low confidence: another meal in the 2 hours after.");
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it("asks for a meal outside the list's window on its own", async () => {
    signInTestUser();
    const old = new Date(Date.now() - 60 * 86400000).toISOString();
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/insights/meals": list([]),
          "/insights/meals/9": { unit: "mg/dL", timezone: "UTC", response: response(9, { timestamp: old }), trace: [] },
        }),
      ),
    );
    renderWithClient(<MealResponseCell id={9} />);
    expect(await screen.findByTestId("meal-response-9")).toHaveTextContent("+56 mg/dL");
  });
});
