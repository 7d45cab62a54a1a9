"use client";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { Period } from "@/lib/period";

/** Where the account's readings start and end; decides the default period and the empty state. */
export function useDataRange() {
  return useQuery({
    queryKey: ["dashboard", "data-range"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/dashboard/data-range", { signal })),
  });
}

/**
 * Consensus metrics for a period (`days` local days ending on `end`, inclusive). The server
 * answers any window of 1 to 90 days, so its figures and its data-sufficiency rule are the ones
 * shown, whatever the period.
 */
export function usePeriodSummary(period: Period, enabled = true) {
  const { days, end } = period;
  return useQuery({
    queryKey: ["dashboard", "period-summary", days, end],
    enabled,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/dashboard/summary", { params: { query: { days: [days], end } }, signal })),
  });
}

export function useAgp(days: number, end: string, enabled = true) {
  return useQuery({
    queryKey: ["dashboard", "agp", days, end],
    enabled,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/dashboard/agp", { params: { query: { days, end } }, signal })),
  });
}

/** Glycaemic variability (MAGE, CONGA-1, MODD, MAG, risk indices) over the same local days. */
export function useVariability(period: Period, enabled = true) {
  const { days, end } = period;
  return useQuery({
    queryKey: ["dashboard", "variability", days, end],
    enabled,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/dashboard/variability", { params: { query: { days, end } }, signal })),
  });
}

export function useSeries(startIso: string, endIso: string, points = 500) {
  return useQuery({
    queryKey: ["glucose", "series", startIso, endIso, points],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/glucose/series", { params: { query: { start: startIso, end: endIso, points } }, signal })),
  });
}
