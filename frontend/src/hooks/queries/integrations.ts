"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { HealthKitStatus, HealthKitType, NightscoutCredentialIn } from "@/lib/api-types";

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

const HEALTHKIT = ["healthkit-status"] as const;

/** Per HealthKit type: enabled, last sync, samples stored, last error, sources seen. */
export function useHealthKitStatus() {
  return useQuery({
    queryKey: HEALTHKIT,
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/integrations/healthkit/status", { signal })),
  });
}

/**
 * Turn types on or off. The boxes change at once (optimistic); a refusal puts the old status back,
 * and the answer, the new status, replaces the cached one.
 */
export function useConfigureHealthKit() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (enabledTypes: HealthKitType[]) =>
      unwrap(api.POST("/api/v1/integrations/healthkit/configure", { body: { enabled_types: enabledTypes } })),
    onMutate: async (enabledTypes) => {
      await queryClient.cancelQueries({ queryKey: HEALTHKIT });
      const previous = queryClient.getQueryData<HealthKitStatus>(HEALTHKIT);
      if (previous) {
        const on = new Set<string>(enabledTypes);
        queryClient.setQueryData<HealthKitStatus>(HEALTHKIT, {
          ...previous,
          types: previous.types.map((t) => ({ ...t, enabled: on.has(t.type) })),
        });
      }
      return { previous };
    },
    onError: (_err, _types, context) => {
      if (context?.previous) queryClient.setQueryData(HEALTHKIT, context.previous);
    },
    onSuccess: (status) => queryClient.setQueryData(HEALTHKIT, status),
  });
}
