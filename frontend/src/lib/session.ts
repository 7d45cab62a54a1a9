import { api } from "./api";
import { useAuthStore } from "./auth-store";
import { shareSession } from "./refresh";
import type { TokenPair } from "./types";

export async function signIn(email: string, password: string): Promise<TokenPair> {
  const device = typeof navigator !== "undefined" ? navigator.userAgent.slice(0, 120) : undefined;
  const pair = await api<TokenPair>("/auth/login", { method: "POST", body: { email, password, device }, auth: false });
  useAuthStore.getState().setSession(pair.access_token, pair.user);
  shareSession(pair.access_token, pair.user);
  return pair;
}
