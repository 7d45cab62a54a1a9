"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";

/** POST /demo/load; `confirm` loads even when the account already has its own readings. */
export function useLoadDemo() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (confirm: boolean = false) =>
      unwrap(api.POST("/api/v1/demo/load", { params: { query: confirm ? { confirm: true } : {} } })),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}

export function useDataSources(enabled = true) {
  return useQuery({
    queryKey: ["data", "sources"],
    enabled,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/data/sources", { signal })),
  });
}

/** Delete every row of one source (glucose, insulin, sleep, meals, activities). */
export function useDeleteSource() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (source: string) => unwrap(api.DELETE("/api/v1/data/sources/{source}", { params: { path: { source } } })),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
