"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api";
import type { AgpResponse, DashboardSummary, SeriesResponse } from "@/lib/types";

export const SUMMARY_WINDOWS = [7, 14, 30, 90] as const;

export function useSummary() {
  return useQuery({
    queryKey: ["dashboard", "summary", SUMMARY_WINDOWS],
    queryFn: ({ signal }) =>
      api<DashboardSummary>("/dashboard/summary", { query: { days: [...SUMMARY_WINDOWS] }, signal }),
  });
}

export function useSeries(startIso: string, endIso: string, points = 500) {
  return useQuery({
    queryKey: ["glucose", "series", startIso, endIso, points],
    queryFn: ({ signal }) =>
      api<SeriesResponse>("/glucose/series", { query: { start: startIso, end: endIso, points }, signal }),
  });
}

export function useAgp(days = 14) {
  return useQuery({
    queryKey: ["dashboard", "agp", days],
    queryFn: ({ signal }) => api<AgpResponse>("/dashboard/agp", { query: { days }, signal }),
  });
}

export function useLoadDemo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () =>
      api<Record<string, number>>("/demo/load", { method: "POST" }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
