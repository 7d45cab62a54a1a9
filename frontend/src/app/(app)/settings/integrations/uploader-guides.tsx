"use client";
import { CopyButton } from "@/components/copy-button";
import {
  hostOnly,
  isHttps,
  SECRET_PLACEHOLDER,
  SHA1_PLACEHOLDER,
  TOKEN_PLACEHOLDER,
  siteUrl,
  UPLOADERS,
  xdripBaseUrl,
  type UploaderId,
} from "@/lib/nightscout";

/** A value to type into an uploader, with a copy button. */
function Value({ label, value }: { label: string; value: string }) {
  return (
    <div className="space-y-1">
      <p className="text-xs font-medium text-slate-600">{label}</p>
      <div className="flex flex-wrap items-center gap-2">
        <code className="break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs text-slate-900" data-testid="guide-value">
          {value}
        </code>
        <CopyButton value={value} what={label} />
      </div>
    </div>
  );
}

export interface FreshCredential {
  value: string;
  sha1: string;
  /** Only a read-write credential is filled into upload settings. */
  writable: boolean;
  /** AAPS and LibreLinkUp v3 take an access token, never the secret. */
  kind: "secret" | "token";
}

/**
 * Where each uploader takes the URL and the credential (docs/nightscout.md, "Pointing an uploader
 * at GlucoLens"), with this server's URL filled in. While a new read-write secret or token is on
 * screen it is filled in too; otherwise placeholders stand in for it.
 */
export function UploaderGuides({ nightscoutUrl, fresh }: { nightscoutUrl: string; fresh: FreshCredential | null }) {
  const url = siteUrl(nightscoutUrl);
  const secret = fresh?.writable ? fresh.value : SECRET_PLACEHOLDER;
  const sha1 = fresh?.writable ? fresh.sha1 : SHA1_PLACEHOLDER;
  const token = fresh?.writable && fresh.kind === "token" ? fresh.value : TOKEN_PLACEHOLDER;
  const steps: Record<UploaderId, React.ReactNode> = {
    xdrip: (
      <>
        <p>
          Settings → Cloud Upload → Nightscout Sync (REST-API): switch it on and set <strong>Base URL</strong> to the line below, with the
          API secret (or a read-write token) before the @. xDrip+ sends its SHA-1. “Test server” needs read-write.
        </p>
        <Value label="Base URL" value={xdripBaseUrl(nightscoutUrl, secret)} />
      </>
    ),
    juggluco: (
      <>
        <p>
          Settings → Web server → Nightscout upload: enter the URL and the API secret (Juggluco sends its SHA-1), then switch the upload on.
        </p>
        <Value label="URL" value={url} />
        <Value label="Secret" value={secret} />
      </>
    ),
    aaps: (
      <>
        <p>
          Config Builder → Synchronization → <strong>NSClient v3</strong>: the URL and, as NS access token, a{" "}
          <strong>read-write access token</strong> (not the API secret). AAPS uploads glucose, treatments, device status and the profile
          over <code>/api/v3</code>. The older NSClient (v1) plugin does not work here: it needs Nightscout&apos;s socket.io connection.
        </p>
        <Value label="Nightscout URL" value={url} />
        <Value label="NS access token" value={token} />
      </>
    ),
    librelinkup: (
      <>
        <p>
          Environment variables of the container or script. <code>NIGHTSCOUT_API_TOKEN</code> takes the <strong>SHA-1</strong> of the API
          secret or of a read-write token: the uploader sends it as it is, and GlucoLens refuses the plain value there.
        </p>
        <Value label="NIGHTSCOUT_URL (no https://)" value={hostOnly(nightscoutUrl)} />
        <Value label="NIGHTSCOUT_API_TOKEN" value={sha1} />
        {isHttps(nightscoutUrl) ? null : <Value label="NIGHTSCOUT_DISABLE_HTTPS (this server is plain http)" value="true" />}
        <p>
          With <code>NIGHTSCOUT_API_V3=true</code> it uses the v3 API instead, and <code>NIGHTSCOUT_API_TOKEN</code> is then a read-write
          access token as it is (<code>{token}</code>), not a SHA-1.
        </p>
      </>
    ),
    loop: (
      <>
        <p>
          Settings → Services → Nightscout: Site URL and API Secret as below. Loop checks them at <code>/api/v1/verifyauth</code> and
          uploads glucose as entries.
        </p>
        <Value label="Site URL" value={url} />
        <Value label="API Secret" value={secret} />
      </>
    ),
    xdrip4ios: (
      <>
        <p>
          Settings → Nightscout: switch upload on and enter the URL, then either the API secret in <strong>API_SECRET</strong> (xDrip4iOS
          sends its SHA-1) or a read-write access token in <strong>Token</strong>.
        </p>
        <Value label="URL" value={url} />
        <Value label="API_SECRET" value={secret} />
      </>
    ),
  };

  return (
    <div className="space-y-2" data-testid="uploader-guides">
      {fresh && !fresh.writable ? (
        <p className="text-sm text-slate-600">The new token is read-only, so it is not filled in below: uploaders need read and write.</p>
      ) : fresh ? (
        <p className="text-sm text-slate-600">Your new value is filled in below until you close it above.</p>
      ) : (
        <p className="text-sm text-slate-600">
          <code>{SECRET_PLACEHOLDER}</code> stands for your API secret (or a read-write token), <code>{TOKEN_PLACEHOLDER}</code> for a
          read-write access token; create one above to see it filled in.
        </p>
      )}
      {UPLOADERS.map((u) => (
        <details key={u.id} className="group rounded-lg border border-slate-200 [&[open]]:bg-slate-50" data-testid={`guide-${u.id}`}>
          <summary className="flex cursor-pointer items-center justify-between gap-2 rounded-lg px-3 py-2 text-sm font-medium text-slate-800 focus-visible:outline-2 focus-visible:outline-brand-600">
            <span>{u.name}</span>
            <span className="text-xs font-normal text-slate-500">{u.platform}</span>
          </summary>
          <div className="space-y-3 px-3 pb-3 text-sm text-slate-700">{steps[u.id]}</div>
        </details>
      ))}
    </div>
  );
}
