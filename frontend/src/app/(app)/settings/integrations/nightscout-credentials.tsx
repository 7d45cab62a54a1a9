"use client";
import { KeyRound, RefreshCw, Trash2 } from "lucide-react";
import { useState } from "react";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect } from "@/components/ui/input";
import { Alert } from "@/components/ui/alert";
import { useCreateNightscoutCredential, useRevokeNightscoutCredential } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import { ApiError } from "@/lib/api";
import type { NightscoutCredential, NightscoutCredentialCreated, NightscoutRole } from "@/lib/api-types";
import { humanError } from "@/lib/errors";
import { formatDateTime } from "@/lib/time";

export const ROLES: { value: NightscoutRole; label: string; hint: string }[] = [
  {
    value: "readwrite",
    label: "Read and write",
    hint: "for uploaders (xDrip+, AAPS, xDrip4iOS, nightscout-librelink-up; Juggluco and Loop take the API secret)",
  },
  { value: "read", label: "Read only", hint: "for followers and watch faces that only show your readings" },
];

export const roleLabel = (role: string) => ROLES.find((r) => r.value === role)?.label ?? role;

function revokeError(err: unknown): string {
  // The list refetches after any outcome; a 404 means another tab or device was quicker.
  if (err instanceof ApiError && err.status === 404) return "This was already revoked. The list now shows what is still active.";
  return humanError(err);
}

function Used({ c }: { c: NightscoutCredential }) {
  const user = useUser();
  return (
    <>
      Created {formatDateTime(c.created_at, user.zone)} ·{" "}
      {c.last_used_at ? `last used ${formatDateTime(c.last_used_at, user.zone)}` : "never used"}
    </>
  );
}

/** The API secret: one at a time; a new one replaces the old at once, so that is asked first. */
export function ApiSecret({
  secret,
  onCreated,
}: {
  secret: NightscoutCredential | undefined;
  onCreated: (c: NightscoutCredentialCreated) => void;
}) {
  const create = useCreateNightscoutCredential();
  const [confirming, setConfirming] = useState(false);

  async function make() {
    try {
      const created = await create.mutateAsync({ kind: "secret", name: "", role: "readwrite" });
      setConfirming(false);
      onCreated(created);
    } catch {
      /* shown beside the button or in the dialog */
    }
  }

  return (
    <section aria-labelledby="ns-secret-heading" className="space-y-3">
      <h3 id="ns-secret-heading" className="text-sm font-semibold text-slate-900">
        API secret
      </h3>
      <p className="text-sm text-slate-600">
        The password most uploaders ask for. It can read and write. There is one at a time; making a new one ends the old one.
      </p>
      {secret ? (
        <p className="text-sm text-slate-700" data-testid="ns-secret-status">
          <Badge variant="success" className="mr-2">
            Active
          </Badge>
          <Used c={secret} />
        </p>
      ) : (
        <p className="text-sm text-slate-500" data-testid="ns-secret-status">
          No API secret yet.
        </p>
      )}
      {create.isError && !confirming ? <Alert variant="error">{humanError(create.error)}</Alert> : null}
      {secret ? (
        <Button
          variant="secondary"
          onClick={() => {
            create.reset();
            setConfirming(true);
          }}
          data-testid="ns-secret-rotate"
        >
          <RefreshCw aria-hidden /> Replace API secret
        </Button>
      ) : (
        <Button onClick={make} disabled={create.isPending} data-testid="ns-secret-create">
          <KeyRound aria-hidden /> {create.isPending ? "Creating…" : "Create API secret"}
        </Button>
      )}
      <ConfirmDialog
        open={confirming}
        onOpenChange={(o) => {
          create.reset();
          setConfirming(o);
        }}
        title="Replace the API secret?"
        confirmLabel="Replace secret"
        busyLabel="Replacing…"
        busy={create.isPending}
        error={create.isError ? humanError(create.error) : null}
        onConfirm={make}
        testId="ns-secret-rotate-dialog"
      >
        <p>
          The current secret <strong>stops working at once</strong>. Every uploader that uses it stops sending readings until you enter the
          new one. Access tokens are not affected.
        </p>
      </ConfirmDialog>
    </section>
  );
}

/** Named access tokens: create (name and role), list, revoke after a confirmation. */
export function AccessTokens({
  tokens,
  onCreated,
}: {
  tokens: NightscoutCredential[];
  onCreated: (c: NightscoutCredentialCreated) => void;
}) {
  const create = useCreateNightscoutCredential();
  const revoke = useRevokeNightscoutCredential();
  const [name, setName] = useState("");
  const [role, setRole] = useState<NightscoutRole>("readwrite");
  const [nameError, setNameError] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<NightscoutCredential | null>(null);

  const { onSubmit, busy, error } = useSubmit({
    validate: () => {
      const trimmed = name.trim();
      const problem = !trimmed
        ? "Give the token a name, such as the app that will use it."
        : trimmed.length > 64
          ? "Use at most 64 characters."
          : null;
      setNameError(problem);
      return problem === null;
    },
    run: async () => {
      const created = await create.mutateAsync({ kind: "token", name: name.trim(), role });
      setName("");
      onCreated(created);
    },
  });

  async function confirmRevoke() {
    if (!revoking) return;
    try {
      await revoke.mutateAsync(revoking.id);
      setRevoking(null);
    } catch {
      /* shown in the dialog */
    }
  }

  return (
    <section aria-labelledby="ns-tokens-heading" className="space-y-3">
      <h3 id="ns-tokens-heading" className="text-sm font-semibold text-slate-900">
        Access tokens
      </h3>
      <p className="text-sm text-slate-600">
        One per app or person, so each can be revoked on its own. AAPS needs one; a token can also stand in for the secret in xDrip+,
        xDrip4iOS and nightscout-librelink-up.
      </p>
      <form onSubmit={onSubmit} noValidate className="grid gap-3 sm:grid-cols-[1fr_auto_auto] sm:items-end">
        <Field id="ns-token-name" label="Token name" error={nameError}>
          <Input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="e.g. xDrip+ on my phone"
            maxLength={64}
            autoComplete="off"
          />
        </Field>
        <Field id="ns-token-role" label="Role">
          <NativeSelect value={role} onChange={(e) => setRole(e.target.value as NightscoutRole)} data-testid="ns-token-role">
            {ROLES.map((r) => (
              <option key={r.value} value={r.value}>
                {r.label}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Button type="submit" disabled={busy} data-testid="ns-token-create">
          <KeyRound aria-hidden /> {busy ? "Creating…" : "Create token"}
        </Button>
        <p className="text-xs text-slate-500 sm:col-span-3">{ROLES.find((r) => r.value === role)?.hint}</p>
      </form>
      {error ? <Alert variant="error">{error}</Alert> : null}
      {tokens.length === 0 ? (
        <p className="text-sm text-slate-500" data-testid="ns-tokens-empty">
          No access tokens yet.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200" data-testid="ns-tokens">
          {tokens.map((t) => (
            <li key={t.id} className="flex flex-wrap items-center gap-3 p-3 text-sm" data-testid="ns-token">
              <div className="min-w-0 flex-1">
                <p className="font-medium break-words text-slate-800">
                  {t.name} {t.shown_prefix ? <code className="ml-1 text-xs text-slate-500">{t.shown_prefix}…</code> : null}
                </p>
                <p className="text-xs text-slate-500">
                  <Used c={t} />
                </p>
              </div>
              <Badge variant={t.role === "read" ? "neutral" : "info"}>{roleLabel(t.role)}</Badge>
              <Button
                size="sm"
                variant="secondary"
                onClick={() => {
                  revoke.reset();
                  setRevoking(t);
                }}
                aria-label={`Revoke ${t.name}`}
              >
                <Trash2 aria-hidden className="text-red-600" /> Revoke
              </Button>
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(o) => (o ? undefined : setRevoking(null))}
        title={`Revoke “${revoking?.name ?? ""}”?`}
        confirmLabel="Revoke token"
        busyLabel="Revoking…"
        busy={revoke.isPending}
        error={revoke.isError ? revokeError(revoke.error) : null}
        onConfirm={confirmRevoke}
        testId="ns-token-revoke-dialog"
      >
        <p>
          Anything using this token stops working at once, including sessions it opened. This cannot be undone; you can make a new token
          instead.
        </p>
      </ConfirmDialog>
    </section>
  );
}
