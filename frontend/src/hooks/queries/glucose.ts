"use client";
import { useQuery } from "@tanstack/react-query";
import { api } from "@/lib/api";
import type { GlucoseReading, Page } from "@/lib/types";

/** The newest two readings: the current value and the one before it (for the change). */
export function useLatestReadings() {
  return useQuery({
    queryKey: ["glucose", "latest"],
    queryFn: ({ signal }) => api<Page<GlucoseReading>>("/glucose", { query: { limit: 2 }, signal }),
    select: (page) => page.items,
  });
}
