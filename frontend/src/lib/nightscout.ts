/**
 * What each uploader wants typed in, built from the user's Nightscout URL (the server's root, as
 * `GET /integrations/nightscout/credentials` names it). docs/nightscout.md says which form each
 * uploader sends; these helpers only rearrange the URL.
 */

/** Shown where the secret or token goes until a new one is on screen. */
export const SECRET_PLACEHOLDER = "API-SECRET";
export const SHA1_PLACEHOLDER = "SHA-1-OF-THE-SECRET";
export const TOKEN_PLACEHOLDER = "READ-WRITE-TOKEN";

function parse(nightscoutUrl: string): URL | null {
  try {
    return new URL(nightscoutUrl);
  } catch {
    return null;
  }
}

function withoutTrailingSlash(path: string): string {
  return path.replace(/\/+$/, "");
}

/** The URL without a trailing slash: uploaders append `/api/v1/...` themselves. */
export function siteUrl(nightscoutUrl: string): string {
  const u = parse(nightscoutUrl);
  if (!u) return nightscoutUrl.replace(/\/+$/, "");
  return `${u.protocol}//${u.host}${withoutTrailingSlash(u.pathname)}`;
}

/** Host (and port) without the scheme: nightscout-librelink-up's NIGHTSCOUT_URL. */
export function hostOnly(nightscoutUrl: string): string {
  const u = parse(nightscoutUrl);
  if (!u) return nightscoutUrl.replace(/^[a-z]+:\/\//i, "").replace(/\/+$/, "");
  return `${u.host}${withoutTrailingSlash(u.pathname)}`;
}

export function isHttps(nightscoutUrl: string): boolean {
  return parse(nightscoutUrl)?.protocol === "https:";
}

/**
 * xDrip+'s base URL, `https://SECRET@host/api/v1`: xDrip+ sends the SHA-1 of the part before
 * '@' as `api-secret`. The secret and the tokens are URL-safe, but a value is still encoded so
 * that a stray character cannot change the host.
 */
export function xdripBaseUrl(nightscoutUrl: string, credential: string = SECRET_PLACEHOLDER): string {
  const u = parse(nightscoutUrl);
  const userinfo = encodeURIComponent(credential);
  if (!u) return `https://${userinfo}@${hostOnly(nightscoutUrl)}/api/v1`;
  return `${u.protocol}//${userinfo}@${u.host}${withoutTrailingSlash(u.pathname)}/api/v1`;
}

export type UploaderId = "xdrip" | "juggluco" | "loop" | "aaps" | "librelinkup" | "xdrip4ios";

export const UPLOADERS: { id: UploaderId; name: string; platform: string }[] = [
  { id: "xdrip", name: "xDrip+", platform: "Android" },
  { id: "juggluco", name: "Juggluco", platform: "Android" },
  { id: "aaps", name: "AAPS", platform: "Android" },
  { id: "librelinkup", name: "nightscout-librelink-up", platform: "Server / Docker" },
  { id: "loop", name: "Loop", platform: "iPhone" },
  { id: "xdrip4ios", name: "xDrip4iOS", platform: "iPhone" },
];
