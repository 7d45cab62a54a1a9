"use client";
import { Smartphone } from "lucide-react";
import Link from "next/link";
import { useState } from "react";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useConfigureHealthKit, useHealthKitStatus } from "@/hooks/queries";
import { useUser } from "@/hooks/use-user";
import type { HealthKitType, HealthKitTypeStatus } from "@/lib/api-types";
import { humanError } from "@/lib/errors";
import { formatDateTime } from "@/lib/time";

const TYPE_NAMES: Record<string, string> = {
  blood_glucose: "Blood glucose",
  carbohydrates: "Carbohydrates",
  insulin_delivery: "Insulin",
  sleep_analysis: "Sleep",
  workouts: "Workouts",
  steps: "Steps",
};

export const typeName = (type: string) => TYPE_NAMES[type] ?? type.replace(/_/g, " ");

/** No type has ever synced, stored or failed: no iPhone has talked to this account. */
export function neverSynced(types: HealthKitTypeStatus[]): boolean {
  return types.every((t) => !t.last_sync_at && t.stored === 0 && t.deleted === 0 && !t.last_error && t.sources.length === 0);
}

function TypeRow({ t, busy, onToggle }: { t: HealthKitTypeStatus; busy: boolean; onToggle: (on: boolean) => void }) {
  const user = useUser();
  const n = new Intl.NumberFormat();
  const id = `hk-${t.type}`;
  return (
    <li className="grid gap-2 p-3 text-sm sm:grid-cols-[12rem_1fr]" data-testid="hk-type">
      <label htmlFor={id} className="flex items-center gap-2 font-medium text-slate-800">
        <input
          id={id}
          type="checkbox"
          className="size-4 accent-brand-600"
          checked={t.enabled}
          disabled={busy}
          onChange={(e) => onToggle(e.target.checked)}
        />
        {typeName(t.type)}
        {t.enabled ? null : <span className="text-xs font-normal text-slate-500">(off)</span>}
      </label>
      <div className="space-y-1 text-slate-600">
        <p>
          {t.last_sync_at ? `Last sync ${formatDateTime(t.last_sync_at, user.zone)}` : "Never synced"} · {n.format(t.stored)} stored
          {t.deleted ? ` · ${n.format(t.deleted)} deleted on the iPhone` : ""}
        </p>
        {t.sources.length ? (
          <p className="text-xs text-slate-500">
            From{" "}
            {t.sources
              .map((s) => s.name ?? s.bundle_id ?? "an unnamed app")
              .filter((v, i, all) => all.indexOf(v) === i)
              .join(", ")}
          </p>
        ) : null}
        {t.last_error ? (
          <p className="text-xs text-red-700" data-testid="hk-type-error">
            Last error{t.last_error_at ? ` (${formatDateTime(t.last_error_at, user.zone)})` : ""}: {t.last_error}
          </p>
        ) : null}
      </div>
    </li>
  );
}

/**
 * Apple Health: what the GlucoLens iPhone app has synced, per HealthKit type
 * (GET /integrations/healthkit/status), and which types it may send (POST .../configure).
 */
export function HealthKitSection() {
  const status = useHealthKitStatus();
  const configure = useConfigureHealthKit();

  // Set in the change event itself, so a controlled box never snaps back while the request starts.
  const [flipped, setFlipped] = useState<Record<string, boolean>>({});

  function toggle(type: string, on: boolean) {
    if (!status.data) return;
    setFlipped({ [type]: on });
    // The server's type names are the enum the request takes; the status answers them as strings.
    const enabled = status.data.types.filter((t) => (t.type === type ? on : t.enabled)).map((t) => t.type as HealthKitType);
    configure.mutate(enabled, { onSettled: () => setFlipped({}) });
  }

  return (
    <Card>
      <CardHeader>
        <CardTitle>Apple Health</CardTitle>
        <CardDescription>
          The GlucoLens iPhone app will send glucose, carbohydrates, insulin, sleep, workouts and steps from Apple Health in the background.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {status.isPending ? (
          <Skeleton className="h-32" label="Loading Apple Health sync status" />
        ) : status.isError ? (
          <QueryError error={status.error} onRetry={() => status.refetch()} title="Could not load the Apple Health status" />
        ) : (
          <>
            {neverSynced(status.data.types) ? (
              <div
                className="flex gap-3 rounded-lg border border-dashed border-slate-300 p-4 text-sm text-slate-600"
                data-testid="hk-empty"
              >
                <Smartphone className="mt-0.5 size-5 shrink-0 text-slate-400" aria-hidden />
                <div className="space-y-1">
                  <p className="font-medium text-slate-800">No iPhone has synced yet.</p>
                  <p>
                    The iPhone app comes later. Until then, an Apple Health export can be imported on{" "}
                    <Link href="/data/import/" prefetch={false} className="text-brand-700 underline-offset-4 hover:underline">
                      Data → Import
                    </Link>
                    . The types ticked below are the ones it will be allowed to send.
                  </p>
                </div>
              </div>
            ) : null}
            {configure.isError ? <Alert variant="error">{humanError(configure.error)}</Alert> : null}
            <fieldset>
              <legend className="mb-2 text-sm font-medium text-slate-700">Types to sync</legend>
              <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200" data-testid="hk-types">
                {status.data.types.map((t) => (
                  <TypeRow
                    key={t.type}
                    t={t.type in flipped ? { ...t, enabled: flipped[t.type] } : t}
                    busy={configure.isPending}
                    onToggle={(on) => toggle(t.type, on)}
                  />
                ))}
              </ul>
              <p className="mt-2 text-xs text-slate-500">
                A type turned off is refused when the iPhone sends it; what is already stored stays. Which source wins when two send the
                same reading is set under{" "}
                <Link href="/settings/data/" prefetch={false} className="text-brand-700 underline-offset-4 hover:underline">
                  Your data → Source priority
                </Link>
                .
              </p>
            </fieldset>
          </>
        )}
      </CardContent>
    </Card>
  );
}
