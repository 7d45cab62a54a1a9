"use client";
import { useState } from "react";
import { CopyButton } from "@/components/copy-button";
import { QueryError } from "@/components/query-state";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useNightscoutCredentials } from "@/hooks/queries";
import type { NightscoutCredentialCreated } from "@/lib/api-types";
import { siteUrl } from "@/lib/nightscout";
import { AccessTokens, ApiSecret, roleLabel } from "./nightscout-credentials";
import { OneTimeValue } from "./one-time-value";
import { UploaderGuides } from "./uploader-guides";

/**
 * Nightscout-compatible uploads: the URL to enter, the API secret and access tokens, and where
 * each uploader takes them. A new value is kept in this component's state only while shown.
 */
export function NightscoutSection() {
  const credentials = useNightscoutCredentials();
  const [fresh, setFresh] = useState<NightscoutCredentialCreated | null>(null);

  return (
    <>
      <Card>
        <CardHeader>
          <CardTitle>Nightscout uploaders</CardTitle>
          <CardDescription>
            xDrip+, Juggluco, AAPS, Loop, xDrip4iOS and nightscout-librelink-up send readings here as they would to a Nightscout site.
          </CardDescription>
        </CardHeader>
        <CardContent className="space-y-6">
          {credentials.isPending ? (
            <Skeleton className="h-40" label="Loading your Nightscout settings" />
          ) : credentials.isError ? (
            <QueryError error={credentials.error} onRetry={() => credentials.refetch()} title="Could not load your Nightscout settings" />
          ) : (
            <>
              <div className="space-y-1">
                <p className="text-sm font-medium text-slate-700">Your Nightscout URL</p>
                <div className="flex flex-wrap items-center gap-2">
                  <code className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-sm text-slate-900" data-testid="nightscout-url">
                    {siteUrl(credentials.data.nightscout_url)}
                  </code>
                  <CopyButton value={siteUrl(credentials.data.nightscout_url)} what="the Nightscout URL" />
                </div>
                <p className="text-xs text-slate-500">
                  Uploaders add <code>/api/v1</code> themselves. Your account is recognised by the secret or token, not by the URL.
                </p>
              </div>
              {fresh ? (
                <OneTimeValue
                  title={
                    fresh.credential.kind === "secret"
                      ? "Your new API secret"
                      : `Your new access token “${fresh.credential.name}” (${roleLabel(fresh.credential.role).toLowerCase()})`
                  }
                  value={fresh.value}
                  sha1={fresh.api_secret_sha1}
                  onDone={() => setFresh(null)}
                />
              ) : null}
              <ApiSecret secret={credentials.data.items.find((c) => c.kind === "secret")} onCreated={setFresh} />
              <AccessTokens tokens={credentials.data.items.filter((c) => c.kind === "token")} onCreated={setFresh} />
            </>
          )}
        </CardContent>
      </Card>
      {credentials.isSuccess ? (
        <Card>
          <CardHeader>
            <CardTitle>Set up your uploader</CardTitle>
            <CardDescription>Open yours for where each value goes.</CardDescription>
          </CardHeader>
          <CardContent>
            <UploaderGuides
              nightscoutUrl={credentials.data.nightscout_url}
              fresh={
                fresh
                  ? {
                      value: fresh.value,
                      sha1: fresh.api_secret_sha1,
                      writable: fresh.credential.role === "readwrite",
                      kind: fresh.credential.kind === "secret" ? "secret" : "token",
                    }
                  : null
              }
            />
          </CardContent>
        </Card>
      ) : null}
    </>
  );
}
