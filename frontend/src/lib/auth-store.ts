import { create } from "zustand";
import type { User } from "./api-types";

export type AuthStatus = "unknown" | "authenticated" | "anonymous";

interface AuthState {
  /** The access JWT lives only in memory; the refresh token is an httpOnly cookie. */
  accessToken: string | null;
  user: User | null;
  status: AuthStatus;
  setSession: (accessToken: string, user: User) => void;
  setUser: (user: User) => void;
  clear: () => void;
}

export const useAuthStore = create<AuthState>((set) => ({
  accessToken: null,
  user: null,
  status: "unknown",
  setSession: (accessToken, user) => set({ accessToken, user, status: "authenticated" }),
  setUser: (user) => set({ user }),
  clear: () => set({ accessToken: null, user: null, status: "anonymous" }),
}));
