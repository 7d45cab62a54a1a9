"use client";
import { useAuthStore } from "@/lib/auth-store";
import { safeZone } from "@/lib/time";
import type { User } from "@/lib/types";

const FALLBACK: User = {
  id: "",
  email: "",
  display_name: null,
  timezone: "UTC",
  unit: "mg/dL",
  target_low_mgdl: 70,
  target_high_mgdl: 180,
  created_at: "",
};

/** The signed-in user; inside the app shell it is always present. */
export function useUser(): User & { zone: string } {
  const user = useAuthStore((s) => s.user) ?? FALLBACK;
  return { ...user, zone: safeZone(user.timezone) };
}
