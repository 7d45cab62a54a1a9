"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { NightscoutCredentialIn } from "@/lib/api-types";

const NIGHTSCOUT = ["nightscout-credentials"] as const;

/** The user's Nightscout URL and active credentials (never their values). */
export function useNightscoutCredentials() {
  return useQuery({
    queryKey: NIGHTSCOUT,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/integrations/nightscout/credentials", { signal })),
  });
}

/**
 * A new API secret or access token. The answer carries the value in clear, once: `gcTime: 0`
 * drops it from React Query's mutation cache as soon as the form stops observing it, so the
 * only copy is the component state that shows it (never storage, never a log).
 */
export function useCreateNightscoutCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    gcTime: 0,
    mutationFn: (body: NightscoutCredentialIn) => unwrap(api.POST("/api/v1/integrations/nightscout/credentials", { body })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: NIGHTSCOUT }),
  });
}

/** Revoke at once; a 404 (already revoked elsewhere) also refreshes the list. */
export function useRevokeNightscoutCredential() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/integrations/nightscout/credentials/{credential_id}", { params: { path: { credential_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: NIGHTSCOUT }),
  });
}
