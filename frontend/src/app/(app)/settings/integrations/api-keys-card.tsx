"use client";
import { KeyRound, Trash2 } from "lucide-react";
import { useState } from "react";
import { ConfirmDialog } from "@/components/confirm-dialog";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { useApiKeys, useCreateApiKey, useRevokeApiKey } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import type { ApiKey, ApiKeyScope } from "@/lib/api-types";
import { humanError } from "@/lib/errors";
import { formatDateTime } from "@/lib/time";
import { OneTimeValue } from "./one-time-value";

const SCOPES: { value: ApiKeyScope; label: string; hint: string }[] = [
  { value: "read", label: "Read", hint: "Read readings, summaries and insights" },
  { value: "write:readings", label: "Write readings", hint: "Upload glucose and other readings (e.g. from a phone or uploader)" },
];

/** GlucoLens's own API keys (`Authorization: Bearer glk_…`), for scripts and apps that use its API. */
export function ApiKeysCard() {
  const user = useUser();
  const keys = useApiKeys();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ApiKeyScope[]>(["read"]);
  const [secret, setSecret] = useState<string | null>(null);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);

  const create = useCreateApiKey();
  const revoke = useRevokeApiKey();

  const {
    onSubmit: onCreate,
    busy,
    error: formError,
  } = useSubmit({
    validate: () => {
      if (!name.trim()) return "Give the key a name so you can recognise it later.";
      if (scopes.length === 0) return "Choose at least one permission.";
      return true;
    },
    run: async () => {
      setSecret(null);
      const created = await create.mutateAsync({ name: name.trim(), scopes });
      setSecret(created.key);
      setName("");
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
    <Card>
      <CardHeader>
        <CardTitle>GlucoLens API keys</CardTitle>
        <CardDescription>
          For scripts and apps that use GlucoLens&apos;s own API: send the key as <code>Authorization: Bearer glk_…</code> or{" "}
          <code>X-API-Key</code>. Nightscout uploaders use the secret or tokens above instead.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        <form onSubmit={onCreate} className="space-y-4" noValidate>
          <Field id="key-name" label="Name">
            <Input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Backup script" autoComplete="off" />
          </Field>
          <fieldset className="space-y-2">
            <legend className="text-sm font-medium text-slate-700">Permissions</legend>
            {SCOPES.map((s) => (
              <label key={s.value} className="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  className="mt-0.5 size-4 accent-brand-600"
                  checked={scopes.includes(s.value)}
                  onChange={(e) => setScopes((cur) => (e.target.checked ? [...cur, s.value] : cur.filter((x) => x !== s.value)))}
                />
                <span>
                  <span className="font-medium">{s.label}</span> <span className="text-slate-500">— {s.hint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          {formError ? <Alert variant="error">{formError}</Alert> : null}
          <Button type="submit" disabled={busy}>
            <KeyRound aria-hidden /> {busy ? "Creating…" : "Create key"}
          </Button>
        </form>
        {secret ? <OneTimeValue title="Your new API key" value={secret} onDone={() => setSecret(null)} testId="new-api-key" /> : null}
        <div className="space-y-2">
          <h3 className="text-sm font-semibold text-slate-900">Your keys</h3>
          {keys.isPending ? (
            <Skeleton className="h-20" label="Loading keys" />
          ) : keys.isError ? (
            <QueryError error={keys.error} onRetry={() => keys.refetch()} />
          ) : keys.data.length === 0 ? (
            <p className="text-sm text-slate-500">No API keys yet.</p>
          ) : (
            <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200">
              {keys.data.map((k) => (
                <li key={k.id} className="flex flex-wrap items-center gap-3 p-3 text-sm">
                  <div className="min-w-0 flex-1">
                    <p className="font-medium break-words text-slate-800">
                      {k.name} <code className="ml-1 text-xs text-slate-500">{k.prefix}…</code>
                    </p>
                    <p className="text-xs text-slate-500">
                      Created {formatDateTime(k.created_at, user.zone)} ·{" "}
                      {k.last_used_at ? `last used ${formatDateTime(k.last_used_at, user.zone)}` : "never used"}
                    </p>
                  </div>
                  <div className="flex gap-1">
                    {k.scopes.map((s) => (
                      <Badge key={s}>{s}</Badge>
                    ))}
                  </div>
                  <Button
                    size="sm"
                    variant="secondary"
                    aria-label={`Revoke ${k.name}`}
                    onClick={() => {
                      revoke.reset();
                      setRevoking(k);
                    }}
                  >
                    <Trash2 aria-hidden className="text-red-600" /> Revoke
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </div>
        <ConfirmDialog
          open={revoking !== null}
          onOpenChange={(o) => (o ? undefined : setRevoking(null))}
          title={`Revoke “${revoking?.name ?? ""}”?`}
          confirmLabel="Revoke key"
          busyLabel="Revoking…"
          busy={revoke.isPending}
          error={revoke.isError ? humanError(revoke.error) : null}
          onConfirm={confirmRevoke}
          testId="api-key-revoke-dialog"
        >
          <p>Apps and scripts using this key stop working at once. This cannot be undone.</p>
        </ConfirmDialog>
      </CardContent>
    </Card>
  );
}
