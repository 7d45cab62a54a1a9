"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, publicApi, unwrap } from "@/lib/api";
import type { Schemas } from "@/lib/api-types";
import { useAuthStore } from "@/lib/auth-store";
import { announceSignedOut, shareSession } from "@/lib/refresh";

/** Sign in, keep the access token in memory and hand it to the other tabs. */
export function useSignIn() {
  return useMutation({
    mutationFn: async ({ email, password }: { email: string; password: string }) => {
      const device = typeof navigator !== "undefined" ? navigator.userAgent.slice(0, 120) : undefined;
      const pair = await unwrap(publicApi.POST("/api/v1/auth/login", { body: { email, password, device } }));
      useAuthStore.getState().setSession(pair.access_token, pair.user);
      shareSession(pair.access_token, pair.user);
      return pair;
    },
  });
}

export function useRegister() {
  return useMutation({
    mutationFn: (body: Schemas["RegisterIn"]) => unwrap(publicApi.POST("/api/v1/auth/register", { body })),
  });
}

export function useForgotPassword() {
  return useMutation({
    mutationFn: (email: string) => unwrap(publicApi.POST("/api/v1/auth/forgot-password", { body: { email } })),
  });
}

export function useResetPassword() {
  return useMutation({
    mutationFn: (body: Schemas["ResetPasswordIn"]) => unwrap(publicApi.POST("/api/v1/auth/reset-password", { body })),
  });
}

/** Save the profile; every glucose answer depends on the unit and targets, so all queries refetch. */
export function useUpdateProfile() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["ProfileIn"]) => unwrap(api.PUT("/api/v1/auth/profile", { body })),
    onSuccess: async (user) => {
      useAuthStore.getState().setUser(user);
      await queryClient.invalidateQueries();
    },
  });
}

/** Changing the password signs the other sessions out, so the session list refetches. */
export function useChangePassword() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["PasswordChangeIn"]) => unwrap(api.POST("/api/v1/auth/password", { body })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["sessions"] }),
  });
}

export function useSessions() {
  return useQuery({
    queryKey: ["sessions"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/auth/sessions", { signal })),
  });
}

export function useRevokeSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/auth/sessions/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["sessions"] }),
  });
}

/** "Sign out everywhere": ends every session, this tab's and the other tabs' too. */
export function useSignOutEverywhere() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/auth/logout-all")),
    onSuccess: () => {
      useAuthStore.getState().clear();
      announceSignedOut();
      queryClient.clear();
    },
  });
}

export function useApiKeys() {
  return useQuery({
    queryKey: ["api-keys"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/auth/api-keys", { signal })),
  });
}

export function useCreateApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["ApiKeyIn"]) => unwrap(api.POST("/api/v1/auth/api-keys", { body })),
    // Not awaited: the new key is shown at once, while the list refetches.
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

export function useRevokeApiKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/auth/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["api-keys"] }),
  });
}

/**
 * DELETE /account with the password. The other tabs are told to sign out; this tab leaves with a
 * full page load (the caller's job), which drops the token and the cached data with the page.
 * Clearing the session here instead would race the AuthGuard's redirect to /login/?next=.
 */
export function useDeleteAccount() {
  return useMutation({
    mutationFn: (password: string) => unwrap(api.DELETE("/api/v1/account", { body: { password } })),
    onSuccess: () => announceSignedOut(),
  });
}
