"use client";
import { useAuthStore } from "@/lib/auth-store";
import type { User } from "@/lib/api-types";
import { safeZone } from "@/lib/time";
import { asUnit, type Unit } from "@/lib/units";

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

/** The signed-in user, with a usable time zone and unit; inside the app shell it is always present. */
export function useUser(): Omit<User, "unit"> & { unit: Unit; zone: string } {
  const user = useAuthStore((s) => s.user) ?? FALLBACK;
  return { ...user, unit: asUnit(user.unit), zone: safeZone(user.timezone) };
}
