"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api";
import type { DataSources, SourceCounts, SourceDeleted } from "@/lib/types";

export type DemoCounts = SourceCounts;

/** POST /demo/load; `confirm` loads even when the account already has its own readings. */
export function useLoadDemo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (confirm: boolean = false) =>
      api<DemoCounts>("/demo/load", { method: "POST", query: confirm ? { confirm: true } : undefined }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}

export function useDataSources(enabled = true) {
  return useQuery({
    queryKey: ["data", "sources"],
    enabled,
    queryFn: ({ signal }) => api<DataSources>("/data/sources", { signal }),
  });
}

/** Delete every row of one source (glucose, insulin, sleep, meals, activities). */
export function useDeleteSource() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (source: string) => api<SourceDeleted>(`/data/sources/${encodeURIComponent(source)}`, { method: "DELETE" }),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
