"use client";
import { MonitorSmartphone } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useChangePassword, useRevokeSession, useSessions, useSignOutEverywhere } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import { formatDateTime } from "@/lib/time";
import { describeUserAgent } from "@/lib/user-agent";
import { errorMessage } from "@/lib/utils";

export function PasswordForm() {
  const changePassword = useChangePassword();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const { onSubmit, busy, error, done } = useSubmit({
    validate: () => {
      if (next.length < 10) return "Use a new password of at least 10 characters.";
      if (next !== confirm) return "The new passwords do not match.";
      return true;
    },
    run: async () => {
      await changePassword.mutateAsync({ current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setConfirm("");
    },
  });

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field id="current-password" label="Current password">
          <Input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} />
        </Field>
        <Field id="new-password" label="New password">
          <Input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} />
        </Field>
        <Field id="confirm-password" label="Repeat new password">
          <Input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </Field>
      </div>
      {error ? <Alert variant="error">{error}</Alert> : null}
      {done ? <Alert variant="success">Password changed. Your other sessions were signed out.</Alert> : null}
      <Button type="submit" variant="secondary" disabled={busy}>
        {busy ? "Changing…" : "Change password"}
      </Button>
    </form>
  );
}

export function SessionsList() {
  const user = useUser();
  const router = useRouter();
  const sessions = useSessions();
  const revoke = useRevokeSession();
  const logoutAll = useSignOutEverywhere();

  if (sessions.isPending) return <Skeleton className="h-24" label="Loading sessions" />;
  if (sessions.isError) return <QueryError error={sessions.error} onRetry={() => sessions.refetch()} />;

  return (
    <div className="space-y-3">
      {revoke.isError ? <Alert variant="error">{errorMessage(revoke.error)}</Alert> : null}
      <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200">
        {sessions.data.map((s) => (
          <li key={s.id} className="flex flex-wrap items-center gap-3 p-3 text-sm">
            <MonitorSmartphone className="size-5 text-slate-400" aria-hidden />
            <div className="min-w-0 flex-1">
              <p className="truncate font-medium text-slate-800" title={s.device ?? undefined} data-testid="session-device">
                {describeUserAgent(s.device)} {s.current ? <Badge variant="success">This device</Badge> : null}
              </p>
              <p className="text-xs text-slate-500">
                {s.ip ?? "unknown IP"} · signed in {formatDateTime(s.created_at, user.zone)}
                {s.last_seen_at ? ` · last active ${formatDateTime(s.last_seen_at, user.zone)}` : ""}
              </p>
            </div>
            {!s.current ? (
              <Button size="sm" variant="secondary" onClick={() => revoke.mutate(s.id)} disabled={revoke.isPending}>
                Revoke
              </Button>
            ) : null}
          </li>
        ))}
      </ul>
      <Button
        variant="destructive"
        size="sm"
        onClick={() => logoutAll.mutate(undefined, { onSuccess: () => router.replace("/login/") })}
        disabled={logoutAll.isPending}
      >
        Sign out everywhere
      </Button>
    </div>
  );
}
