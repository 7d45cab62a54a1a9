"use client";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { Schemas } from "@/lib/api-types";

export type MealInsights = Schemas["MealInsights"];
export type MealResponse = Schemas["MealResponseOut"];
export type MealResponseDetail = Schemas["MealResponseDetail"];
export type MealComparison = Schemas["ComparisonOut"];

/**
 * Every meal's glucose response in the last `days` days, with rankings and comparisons. The key
 * starts with "meals", so adding, editing or deleting a meal (useRecordMutations) refetches it.
 */
export function useMealInsights(days: number) {
  return useQuery({
    queryKey: ["meals", "responses", days],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/insights/meals", { params: { query: { days } }, signal })),
  });
}

/** One meal's response and its trace (−30 to +180 min). */
export function useMealResponse(id: number | null, enabled = true) {
  return useQuery({
    queryKey: ["meals", "response", id],
    enabled: enabled && id !== null,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/insights/meals/{id}", { params: { path: { id: id! } }, signal })),
  });
}
