"use client";
import { BellOff, CheckCheck } from "lucide-react";
import Link from "next/link";
import { useSearchParams } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { PushSetup } from "@/components/alerts/push-setup";
import { LoadMore } from "@/components/load-more";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent } from "@/components/ui/card";
import { NativeSelect } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useAcknowledge, useAlertHistory, useMarkRead, type HistoryFilters } from "@/hooks/queries/alerts";
import { useUser } from "@/hooks/use-user";
import { ALERT_KINDS, decisionText, isSuppression, kindLabel, resolvedText, severityLabel } from "@/lib/alerts";
import type { AlertOut } from "@/lib/api-types";
import { formatDateTime, formatTime } from "@/lib/time";
import { asUnit, formatGlucose } from "@/lib/units";
import { cn, errorMessage } from "@/lib/utils";

const SEVERITY_BADGE = { urgent: "danger", warning: "warning", info: "info" } as const;

function Value({ value, unit }: { value: number | null; unit: string }) {
  if (value === null) return null;
  return (
    <span className="tabular-nums">
      {formatGlucose(value, asUnit(unit))} {unit}
    </span>
  );
}

function AlertRow({ alert, zone, target }: { alert: AlertOut; zone: string; target: boolean }) {
  const markRead = useMarkRead();
  const ref = useRef<HTMLLIElement>(null);
  // A notification's link (/alerts/?alert=<id>) lands on its alert.
  useEffect(() => {
    if (target) ref.current?.scrollIntoView({ block: "center" });
  }, [target]);
  const ack = useAcknowledge();
  const [error, setError] = useState<string | null>(null);
  const unread = !alert.read_at;
  const glucose = alert.kind !== "stale_data" && alert.kind !== "pattern" && alert.kind !== "test";
  const decisions = alert.decisions ?? [];

  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <li
      ref={ref}
      aria-current={target ? "true" : undefined}
      className={cn(
        "space-y-2 rounded-lg border p-4",
        unread ? "border-brand-200 bg-brand-50/40" : "border-slate-200 bg-white",
        target && "ring-2 ring-brand-600",
      )}
      data-testid="alert-row"
      data-kind={alert.kind}
      data-unread={unread ? "true" : "false"}
    >
      <div className="flex flex-wrap items-start justify-between gap-2">
        <div className="min-w-0 space-y-1">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-semibold text-slate-900">{kindLabel(alert.kind)}</span>
            <Badge variant={SEVERITY_BADGE[alert.severity as keyof typeof SEVERITY_BADGE] ?? "neutral"}>
              {severityLabel(alert.severity)}
            </Badge>
            <Badge variant={alert.status === "open" ? "danger" : "neutral"}>{alert.status === "open" ? "Open" : "Resolved"}</Badge>
            {unread ? (
              <Badge variant="info" data-testid="alert-unread">
                Unread
              </Badge>
            ) : null}
          </p>
          <p className="text-sm text-slate-700">{alert.message || alert.title}</p>
          <p className="text-xs text-slate-500">
            {formatDateTime(alert.opened_at, zone)}
            {glucose && alert.value !== null ? (
              <>
                {" · "}
                <Value value={alert.value} unit={alert.unit} />
                {alert.last_value !== null && alert.last_value !== alert.value ? (
                  <>
                    {", last "}
                    <Value value={alert.last_value} unit={alert.unit} />
                  </>
                ) : null}
              </>
            ) : null}
            {alert.resolved_at ? ` · ${resolvedText(alert.resolved_reason)} at ${formatTime(alert.resolved_at, zone)}` : ""}
            {alert.acknowledged_at ? ` · acknowledged at ${formatTime(alert.acknowledged_at, zone)}` : ""}
            {alert.escalated_at ? ` · emergency contact emailed at ${formatTime(alert.escalated_at, zone)}` : ""}
            {alert.notify_count > 0 ? ` · notified ${alert.notify_count}×` : ""}
          </p>
        </div>
        <div className="flex flex-wrap gap-2">
          {alert.status === "open" && !alert.acknowledged_at && alert.kind !== "pattern" && alert.kind !== "test" ? (
            <Button size="sm" onClick={() => run(() => ack.mutateAsync(alert.id))} disabled={ack.isPending} data-testid="alert-ack">
              Acknowledge
            </Button>
          ) : null}
          {unread ? (
            <Button
              size="sm"
              variant="secondary"
              onClick={() => run(() => markRead.mutateAsync({ ids: [alert.id] }))}
              disabled={markRead.isPending}
              data-testid="alert-mark-read"
            >
              Mark read
            </Button>
          ) : null}
        </div>
      </div>
      {decisions.length > 0 ? (
        <details className="text-sm">
          <summary className="cursor-pointer text-slate-600">
            What happened ({decisions.length} {decisions.length === 1 ? "decision" : "decisions"}
            {decisions.some((d) => isSuppression(d.action, d.reason)) ? ", some not sent" : ""})
          </summary>
          <ol className="mt-2 space-y-1 border-l border-slate-200 pl-3" data-testid="alert-decisions">
            {decisions.map((d, i) => (
              <li
                key={i}
                className={cn(isSuppression(d.action, d.reason) ? "text-amber-800" : "text-slate-700")}
                data-testid="alert-decision"
              >
                <span className="tabular-nums text-slate-500">{formatTime(d.at, zone)}</span> {decisionText(d.action, d.reason)}
                {d.value !== null && glucose ? (
                  <span className="text-slate-500">
                    {" "}
                    (<Value value={d.value} unit={alert.unit} />)
                  </span>
                ) : null}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
      {error ? <Alert variant="error">{error}</Alert> : null}
    </li>
  );
}

type StatusFilter = "" | "open" | "resolved";

/** Every alert, newest first, with why each notification went out or did not. */
export function AlertHistory() {
  const { zone } = useUser();
  const target = useSearchParams().get("alert");
  const [kind, setKind] = useState("");
  const [status, setStatus] = useState<StatusFilter>("");
  const [unreadOnly, setUnreadOnly] = useState(false);
  const filters: HistoryFilters = {
    kind: (kind || undefined) as HistoryFilters["kind"],
    status: (status || undefined) as HistoryFilters["status"],
    unread: unreadOnly ? true : undefined,
  };
  const list = useAlertHistory(filters);
  const markAll = useMarkRead();
  const filtered = Boolean(kind || status || unreadOnly);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Alerts"
        description="Every alert, and every decision about notifying you: sent, or not sent and why."
        actions={
          <>
            <Button
              variant="secondary"
              onClick={() => markAll.mutate({ all: true })}
              disabled={markAll.isPending}
              data-testid="alerts-mark-all-read"
            >
              <CheckCheck aria-hidden /> Mark all read
            </Button>
            <Button variant="secondary" asChild>
              <Link href="/settings/alerts/" prefetch={false}>
                Alert settings
              </Link>
            </Button>
          </>
        }
      />
      <PushSetup compact />
      {markAll.isError ? <Alert variant="error">{errorMessage(markAll.error)}</Alert> : null}
      <div className="flex flex-wrap items-end gap-3" role="group" aria-label="Filters">
        <label className="space-y-1 text-sm">
          <span className="block text-slate-600">Kind</span>
          <NativeSelect value={kind} onChange={(e) => setKind(e.target.value)} data-testid="alerts-filter-kind">
            <option value="">All kinds</option>
            {[...ALERT_KINDS, "test"].map((k) => (
              <option key={k} value={k}>
                {kindLabel(k)}
              </option>
            ))}
          </NativeSelect>
        </label>
        <label className="space-y-1 text-sm">
          <span className="block text-slate-600">Status</span>
          <NativeSelect value={status} onChange={(e) => setStatus(e.target.value as StatusFilter)} data-testid="alerts-filter-status">
            <option value="">Open and resolved</option>
            <option value="open">Open</option>
            <option value="resolved">Resolved</option>
          </NativeSelect>
        </label>
        <label className="flex h-9 items-center gap-2 text-sm text-slate-700">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(e) => setUnreadOnly(e.target.checked)}
            data-testid="alerts-filter-unread"
          />
          Unread only
        </label>
      </div>
      {list.isPending ? (
        <Skeleton className="h-40" label="Loading alerts" />
      ) : list.isError ? (
        <QueryError error={list.error} onRetry={() => list.refetch()} />
      ) : list.items.length === 0 ? (
        <Card>
          <CardContent className="flex flex-col items-center gap-2 py-10 text-center" data-testid="alerts-empty">
            <BellOff className="size-8 text-slate-400" aria-hidden />
            <p className="font-medium text-slate-800">{filtered ? "No alerts match these filters" : "No alerts yet"}</p>
            <p className="max-w-md text-sm text-slate-600">
              {filtered
                ? "Change or clear the filters to see more."
                : "When a reading crosses one of your limits, or data stops arriving, the alert and every decision about it appear here."}
            </p>
          </CardContent>
        </Card>
      ) : (
        <>
          <ol className="space-y-3" data-testid="alerts-list">
            {list.items.map((a) => (
              <AlertRow key={a.id} alert={a} zone={zone} target={a.id === target} />
            ))}
          </ol>
          <LoadMore list={list} />
        </>
      )}
    </div>
  );
}
