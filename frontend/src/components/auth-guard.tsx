"use client";
import { usePathname, useRouter } from "next/navigation";
import { useEffect } from "react";
import { refreshSession } from "@/lib/api";
import { joinSessionChannel } from "@/lib/refresh";
import { useAuthStore } from "@/lib/auth-store";
import { Skeleton } from "./ui/skeleton";

/** Restores the session from the refresh cookie on load; sends anonymous visitors to /login. */
export function AuthGuard({ children }: { children: React.ReactNode }) {
  const status = useAuthStore((s) => s.status);
  const router = useRouter();
  const pathname = usePathname();

  useEffect(() => joinSessionChannel(), []);

  useEffect(() => {
    if (status === "unknown") void refreshSession();
  }, [status]);

  useEffect(() => {
    if (status === "anonymous") {
      const next = typeof window !== "undefined" ? window.location.pathname + window.location.search : pathname;
      router.replace(`/login/?next=${encodeURIComponent(next)}`);
    }
  }, [status, router, pathname]);

  if (status !== "authenticated") {
    return (
      <div className="flex min-h-screen items-center justify-center" aria-busy="true">
        <div className="w-64 space-y-3">
          <Skeleton className="h-6 w-40" label="Checking your session" />
          <Skeleton className="h-4 w-full" />
          <Skeleton className="h-4 w-3/4" />
        </div>
      </div>
    );
  }
  return <>{children}</>;
}
