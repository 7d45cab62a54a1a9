"use client";
import { Check, Copy, KeyRound } from "lucide-react";
import { useState } from "react";
import { PageHeader } from "@/components/app-shell";
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
import { formatDateTime } from "@/lib/time";
import type { ApiKeyScope } from "@/lib/api-types";
import { errorMessage } from "@/lib/utils";

const SCOPES: { value: ApiKeyScope; label: string; hint: string }[] = [
  { value: "read", label: "Read", hint: "Read readings, summaries and insights" },
  { value: "write:readings", label: "Write readings", hint: "Upload glucose and other readings (e.g. from a phone or uploader)" },
];

function NewKey({ secret }: { secret: string }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  }
  return (
    <Alert variant="warning" title="Copy your new key now. It will not be shown again.">
      <div className="mt-2 flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900" data-testid="new-api-key">
          {secret}
        </code>
        <Button size="sm" variant="secondary" onClick={copy} aria-live="polite">
          {copied ? <Check aria-hidden /> : <Copy aria-hidden />} {copied ? "Copied" : "Copy"}
        </Button>
      </div>
    </Alert>
  );
}

export function IntegrationsView() {
  const user = useUser();
  const keys = useApiKeys();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ApiKeyScope[]>(["read"]);
  const [secret, setSecret] = useState<string | null>(null);

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

  return (
    <div className="space-y-6">
      <PageHeader title="Integrations" description="API keys let uploaders, scripts and apps read or send data on your behalf." />
      <Card>
        <CardHeader>
          <CardTitle>Create an API key</CardTitle>
          <CardDescription>
            Send it as <code>Authorization: Bearer glk_…</code> or <code>X-API-Key</code>. Give each device its own key.
          </CardDescription>
        </CardHeader>
        <CardContent>
          <form onSubmit={onCreate} className="space-y-4" noValidate>
            <Field id="key-name" label="Name">
              <Input value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. Phone uploader" />
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
          {secret ? (
            <div className="mt-4">
              <NewKey secret={secret} />
            </div>
          ) : null}
        </CardContent>
      </Card>
      <Card>
        <CardHeader>
          <CardTitle>Your keys</CardTitle>
        </CardHeader>
        <CardContent>
          {revoke.isError ? (
            <Alert variant="error" className="mb-3">
              {errorMessage(revoke.error)}
            </Alert>
          ) : null}
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
                    <p className="font-medium text-slate-800">
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
                    onClick={() => window.confirm(`Revoke “${k.name}”? Apps using it will stop working.`) && revoke.mutate(k.id)}
                  >
                    Revoke
                  </Button>
                </li>
              ))}
            </ul>
          )}
        </CardContent>
      </Card>
    </div>
  );
}
