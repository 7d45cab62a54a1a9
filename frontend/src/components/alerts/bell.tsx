"use client";
import { Bell } from "lucide-react";
import Link from "next/link";
import { useUnreadCount } from "@/hooks/queries/alerts";
import { cn } from "@/lib/utils";

/** The bell in the header: unread alerts (kept current by the live channel), a link to the history. */
export function AlertBell() {
  const unread = useUnreadCount();
  const count = unread.data ?? 0;
  const label = count === 0 ? "Alerts, none unread" : `Alerts, ${count} unread`;
  return (
    <Link
      href="/alerts/"
      prefetch={false}
      aria-label={label}
      title={label}
      data-testid="alert-bell"
      className="relative inline-flex size-9 items-center justify-center rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900"
    >
      <Bell className="size-5" aria-hidden />
      {count > 0 ? (
        <span
          aria-hidden
          data-testid="alert-bell-count"
          className={cn(
            "absolute -right-0.5 -top-0.5 min-w-5 rounded-full bg-red-600 px-1 text-center text-[11px] font-semibold leading-5 text-on-accent",
          )}
        >
          {count > 99 ? "99+" : count}
        </span>
      ) : null}
    </Link>
  );
}
