"use client";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { AlertConfigIn, AlertHistoryQuery, SnoozeIn } from "@/lib/api-types";

/** Every alert query lives under ["alerts", ...]: the real-time channel refetches them all at once. */
const ALERTS = ["alerts"] as const;

/** Unread alerts, for the bell; the real-time channel refetches it when an alert changes. */
export function useUnreadCount() {
  return useQuery({
    queryKey: [...ALERTS, "unread-count"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts/unread-count", { signal })),
    select: (d) => d.unread,
    // A missed message must not leave the count wrong for long (the channel refetches on a gap too).
    refetchInterval: 5 * 60_000,
  });
}

export type HistoryFilters = Pick<AlertHistoryQuery, "kind" | "status" | "unread">;

/** The alert history, newest first, paged by cursor, with every decision (sent, or not and why). */
export function useAlertHistory(filters: HistoryFilters, limit = 25) {
  const query = useInfiniteQuery({
    queryKey: [...ALERTS, "history", filters, limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      unwrap(api.GET("/api/v1/alerts/history", { params: { query: { ...filters, limit, cursor: pageParam } }, signal })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items = query.data?.pages.flatMap((p) => p.items) ?? [];
  return { ...query, items };
}

export function useMarkRead() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (target: { ids: string[] } | { all: true }) =>
      unwrap(api.PUT("/api/v1/alerts/mark-read", { body: "all" in target ? { all: true } : { ids: target.ids, all: false } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ALERTS }),
  });
}

export function useAcknowledge() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST("/api/v1/alerts/{alert_id}/acknowledge", { params: { path: { alert_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ALERTS }),
  });
}

export function useAlertConfig() {
  return useQuery({
    queryKey: [...ALERTS, "config"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts/config", { signal })),
  });
}

/** Save kinds and/or settings; the answer is the whole new configuration. */
export function useSaveAlertConfig() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: AlertConfigIn) => unwrap(api.POST("/api/v1/alerts/config", { body })),
    onSuccess: (config) => queryClient.setQueryData([...ALERTS, "config"], config),
  });
}

export function useSnoozes() {
  return useQuery({
    queryKey: [...ALERTS, "snoozes"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts/snoozes", { signal })),
    select: (d) => d.items.filter((s) => s.active),
  });
}

export function useSnooze() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SnoozeIn) => unwrap(api.POST("/api/v1/alerts/snoozes", { body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ALERTS }),
  });
}

export function useCancelSnooze() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/alerts/snoozes/{snooze_id}", { params: { path: { snooze_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ALERTS }),
  });
}
