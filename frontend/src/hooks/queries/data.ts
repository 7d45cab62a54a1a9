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

/** The order of sources: when the same reading comes from two, the higher one is kept. */
export function useSourcePriority() {
  return useQuery({
    queryKey: ["data", "source-priority"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/data/source-priority", { signal })),
  });
}

/**
 * PUT the new order (or DELETE: back to the default). The server recomputes which copy of each
 * reading counts, so every view refetches.
 */
export function useSaveSourcePriority() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (order: string[] | null) =>
      unwrap(order === null ? api.DELETE("/api/v1/data/source-priority") : api.PUT("/api/v1/data/source-priority", { body: { order } })),
    onSuccess: (saved) => {
      queryClient.setQueryData(["data", "source-priority"], saved);
      void queryClient.invalidateQueries({ predicate: (q) => !(q.queryKey[0] === "data" && q.queryKey[1] === "source-priority") });
    },
  });
}

/** What a deletion would remove: by source, a time range, or both. */
export interface DeletionScope {
  source?: string;
  start?: string;
  end?: string;
}

export function useDeletionPreview(scope: DeletionScope | null) {
  return useQuery({
    queryKey: ["data", "deletion-preview", scope],
    enabled: scope !== null,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/data/deletion-preview", { params: { query: { ...scope } }, signal })),
    select: (r) => r.counts,
    staleTime: 0,
    gcTime: 0,
  });
}

export function useDeleteData() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (scope: DeletionScope) => unwrap(api.POST("/api/v1/data/delete", { body: { ...scope, confirm: true } })),
    onSuccess: () => queryClient.invalidateQueries(),
  });
}
