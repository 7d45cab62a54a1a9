"use client";
import { useRealtimeStore } from "@/lib/realtime-store";
import type { RealtimeStatus } from "@/lib/realtime";
import { cn } from "@/lib/utils";

const LOOK: Record<RealtimeStatus, { label: string; dot: string; title: string }> = {
  live: { label: "Live", dot: "bg-green-600", title: "New readings and alerts arrive as they happen." },
  connecting: { label: "Connecting…", dot: "bg-slate-400", title: "Connecting to the live channel." },
  reconnecting: {
    label: "Reconnecting…",
    dot: "bg-amber-500",
    title: "The live channel dropped; retrying. Values shown may be behind until it is back.",
  },
  offline: { label: "Offline", dot: "bg-slate-400", title: "Not connected: values update only when the page reloads." },
  idle: { label: "Offline", dot: "bg-slate-400", title: "Not connected." },
};

/** A small dot and word: whether this page is receiving readings live. */
export function ConnectionIndicator({ className }: { className?: string }) {
  const status = useRealtimeStore((s) => s.status);
  const look = LOOK[status];
  return (
    <span
      className={cn("inline-flex items-center gap-1.5 text-xs text-slate-500", className)}
      title={look.title}
      data-testid="connection-status"
      data-status={status}
    >
      <span aria-hidden className={cn("inline-block size-2 rounded-full", look.dot, status === "live" && "animate-pulse")} />
      {look.label}
    </span>
  );
}
