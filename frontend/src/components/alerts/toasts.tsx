"use client";
import { BellRing, X } from "lucide-react";
import Link from "next/link";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { useAcknowledge, useSnooze } from "@/hooks/queries/alerts";
import { kindLabel } from "@/lib/alerts";
import type { SnoozeIn } from "@/lib/api-types";
import { useRealtimeStore, type AlertToast } from "@/lib/realtime-store";
import { cn, errorMessage } from "@/lib/utils";

/** Warnings leave the screen after this long (they stay in the history); urgent ones stay until acted on. */
const WARNING_MS = 30_000;
const INFO_MS = 10_000;

/** Snooze lengths offered on a toast: the longest each kind allows, within reason. */
export function toastSnoozeMinutes(kind: string): number | null {
  if (kind === "pattern" || kind === "test") return null;
  return kind === "urgent_low" || kind === "urgent_low_soon" ? 30 : 60;
}

function Toast({ toast }: { toast: AlertToast }) {
  const { alert } = toast;
  const dismiss = useRealtimeStore((s) => s.dismissToast);
  const ack = useAcknowledge();
  const snooze = useSnooze();
  const [error, setError] = useState<string | null>(null);
  const urgent = alert.severity === "urgent";
  const snoozeMin = toastSnoozeMinutes(alert.kind);

  useEffect(() => {
    if (urgent) return;
    const id = setTimeout(() => dismiss(alert.id), alert.severity === "info" ? INFO_MS : WARNING_MS);
    return () => clearTimeout(id);
  }, [alert.id, alert.severity, urgent, dismiss, toast.version]);

  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      dismiss(alert.id);
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <li
      // Urgent alerts interrupt (role=alert is assertive); others wait their turn (status, polite).
      role={urgent ? "alert" : "status"}
      aria-live={urgent ? "assertive" : "polite"}
      data-testid="alert-toast"
      data-severity={alert.severity}
      className={cn(
        "pointer-events-auto w-full rounded-lg border p-4 shadow-lg",
        urgent ? "border-red-700 bg-red-600 text-on-accent" : "border-slate-200 bg-white text-slate-800",
      )}
    >
      <div className="flex items-start gap-3">
        <BellRing className={cn("mt-0.5 size-5 shrink-0", urgent ? "text-on-accent" : "text-brand-600")} aria-hidden />
        <div className="min-w-0 flex-1 space-y-1">
          <p className={cn("font-semibold", urgent && "text-lg")} data-testid="alert-toast-title">
            {alert.title || kindLabel(alert.kind)}
          </p>
          {alert.message ? <p className={cn("text-sm", urgent ? "text-on-accent" : "text-slate-600")}>{alert.message}</p> : null}
          {error ? (
            <p className={cn("text-sm font-medium", urgent ? "text-on-accent" : "text-red-700")} role="alert">
              {error}
            </p>
          ) : null}
          <div className="flex flex-wrap gap-2 pt-1">
            {alert.status === "open" && alert.kind !== "test" && alert.kind !== "pattern" ? (
              <Button
                size="sm"
                variant={urgent ? "secondary" : "default"}
                disabled={ack.isPending}
                onClick={() => run(() => ack.mutateAsync(alert.id))}
                data-testid="alert-toast-ack"
              >
                Acknowledge
              </Button>
            ) : null}
            {snoozeMin ? (
              <Button
                size="sm"
                variant="secondary"
                disabled={snooze.isPending}
                onClick={() => run(() => snooze.mutateAsync({ kinds: [alert.kind as SnoozeIn["kinds"][number]], minutes: snoozeMin }))}
                data-testid="alert-toast-snooze"
              >
                Snooze {snoozeMin === 60 ? "1 h" : `${snoozeMin} min`}
              </Button>
            ) : null}
            <Button size="sm" variant={urgent ? "secondary" : "ghost"} asChild>
              <Link href="/alerts/" prefetch={false} onClick={() => dismiss(alert.id)}>
                History
              </Link>
            </Button>
          </div>
        </div>
        <button
          type="button"
          className={cn("rounded p-1", urgent ? "text-on-accent hover:bg-black/15" : "text-slate-500 hover:bg-slate-100")}
          aria-label={`Dismiss ${alert.title || kindLabel(alert.kind)}`}
          onClick={() => dismiss(alert.id)}
        >
          <X className="size-4" aria-hidden />
        </button>
      </div>
    </li>
  );
}

/** New alerts from the live channel, bottom right (full width on phones); newest on top. */
export function AlertToasts() {
  const toasts = useRealtimeStore((s) => s.toasts);
  if (toasts.length === 0) return null;
  return (
    <section aria-label="New alerts" className="pointer-events-none fixed inset-x-0 bottom-0 z-50 flex justify-end p-3 sm:p-4">
      <ol className="flex w-full max-w-sm flex-col gap-2">
        {toasts.map((t) => (
          <Toast key={`${t.alert.id}-${t.version}`} toast={t} />
        ))}
      </ol>
    </section>
  );
}
