"use client";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/lib/api";
import type { Page } from "@/lib/types";

/** A newest-first list endpoint paged by `next_cursor`. */
export function useCursorList<T>(resource: string, limit = 20) {
  const query = useInfiniteQuery({
    queryKey: [resource, "list", limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) => api<Page<T>>(`/${resource}`, { query: { limit, cursor: pageParam }, signal }),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return { ...query, items };
}

export function useResourceMutations<T>(resource: string) {
  const queryClient = useQueryClient();
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: [resource] }),
      queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
      queryClient.invalidateQueries({ queryKey: ["glucose"] }),
    ]);
  const create = useMutation({
    mutationFn: (body: Record<string, unknown>) => api<T>(`/${resource}`, { method: "POST", body }),
    onSuccess: invalidate,
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: string; body: Record<string, unknown> }) =>
      api<T>(`/${resource}/${encodeURIComponent(id)}`, { method: "PUT", body }),
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api<void>(`/${resource}/${encodeURIComponent(id)}`, { method: "DELETE" }),
    onSuccess: invalidate,
  });
  return { create, update, remove };
}
