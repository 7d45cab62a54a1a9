"use client";
import { useQuery } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import { periodEndMs, periodStart, type Period } from "@/lib/period";
import { summaryCovers, windowFromDays } from "@/lib/period-stats";
import { zonedLocalToIso } from "@/lib/time";

/** Where the account's readings start and end; decides the default period and the empty state. */
export function useDataRange() {
  return useQuery({
    queryKey: ["dashboard", "data-range"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/dashboard/data-range", { signal })),
  });
}

/**
 * Consensus metrics for a period (`days` local days ending on `end`, inclusive). The summary
 * endpoint answers 7, 14, 30 and 90 days; other lengths are combined from the per-day statistics.
 */
export function usePeriodSummary(period: Period, zone: string, now: number, enabled = true) {
  const { days, end } = period;
  return useQuery({
    queryKey: ["dashboard", "period-summary", days, end],
    enabled,
    queryFn: async ({ signal }) => {
      if (summaryCovers(days)) return unwrap(api.GET("/api/v1/dashboard/summary", { params: { query: { days: [days], end } }, signal }));
      const start = periodStart(period);
      const daily = await unwrap(api.GET("/api/v1/dashboard/daily", { params: { query: { start, end } }, signal }));
      const startIso = zonedLocalToIso(`${start}T00:00`, zone);
      return windowFromDays(daily, days, startIso, new Date(periodEndMs(period, zone, now)).toISOString());
    },
  });
}

export function useAgp(days: number, end: string, enabled = true) {
  return useQuery({
    queryKey: ["dashboard", "agp", days, end],
    enabled,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/dashboard/agp", { params: { query: { days, end } }, signal })),
  });
}

export function useSeries(startIso: string, endIso: string, points = 500) {
  return useQuery({
    queryKey: ["glucose", "series", startIso, endIso, points],
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/glucose/series", { params: { query: { start: startIso, end: endIso, points } }, signal })),
  });
}
