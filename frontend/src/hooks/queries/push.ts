"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { PushSubscriptionIn } from "@/lib/api-types";

const ALERTS = ["alerts"] as const;

/** A test notification through every enabled channel; the answer lists each channel's outcome. */
export function useSendTestNotification() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/alerts/test")),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ALERTS }),
  });
}

/** The server's VAPID public key, fetched when "Enable notifications" is pressed (and kept). */
export function useFetchVapidKey() {
  const queryClient = useQueryClient();
  return () =>
    queryClient.fetchQuery({
      queryKey: [...ALERTS, "vapid"],
      queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts/push/vapid-public-key", { signal })),
      staleTime: Infinity,
    });
}

export function usePushSubscriptions() {
  return useQuery({
    queryKey: [...ALERTS, "push-subscriptions"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/alerts/push/subscriptions", { signal })),
  });
}

export function useSavePushSubscription() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: PushSubscriptionIn) => unwrap(api.POST("/api/v1/alerts/push/subscriptions", { body })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [...ALERTS, "push-subscriptions"] }),
  });
}

export function useDeletePushSubscription() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/alerts/push/subscriptions/{subscription_id}", { params: { path: { subscription_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: [...ALERTS, "push-subscriptions"] }),
  });
}
