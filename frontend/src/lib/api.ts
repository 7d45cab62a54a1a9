import createClient from "openapi-fetch";
import type { components, paths } from "./api-schema";
import { useAuthStore } from "./auth-store";
import { refreshSession } from "./refresh";

export { logout, refreshSession } from "./refresh";

type ErrorDetail = components["schemas"]["ErrorDetail"];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export function errorFromBody(status: number, body: unknown): ApiError {
  const err = (body as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | null)?.error;
  if (err && typeof err === "object") {
    return new ApiError(status, err.code ?? "error", err.message ?? `Request failed (${status})`, err.details ?? []);
  }
  // FastAPI's default shape, in case a route slips past the shared handler.
  const detail = (body as { detail?: unknown } | null)?.detail;
  if (typeof detail === "string") return new ApiError(status, "error", detail);
  return new ApiError(status, status === 401 ? "unauthorized" : "error", defaultMessage(status));
}

function defaultMessage(status: number): string {
  if (status === 0) return "Could not reach the server. Check your connection.";
  if (status === 401) return "Your session has ended. Please sign in again.";
  if (status === 403) return "You do not have access to this.";
  if (status === 404) return "Not found.";
  if (status === 429) return "Too many requests. Please wait a moment.";
  if (status >= 500) return "The server had a problem. Please try again.";
  return `Request failed (${status}).`;
}

function authHeader(token: string | null): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

interface Outgoing {
  url: string;
  init: RequestInit & { headers: Record<string, string> };
}

/**
 * The typed client builds a Request; we send it as a URL and plain init. Its body is read once,
 * as text, so a call retried after a 401 can send it again (a Request's body can be read once).
 */
async function outgoing(request: Request): Promise<Outgoing> {
  const headers: Record<string, string> = { Accept: "application/json" };
  request.headers.forEach((value, name) => {
    if (name !== "accept") headers[name === "content-type" ? "Content-Type" : name] = value;
  });
  const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
  const init = { method: request.method, headers, credentials: "same-origin" as const, signal: request.signal };
  return { url: request.url, init: text ? { ...init, body: text } : init };
}

/** A network failure becomes an ApiError with status 0; an abort stays an abort. */
async function reachServer(send: () => Promise<Response>): Promise<Response> {
  try {
    return await send();
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network_error", defaultMessage(0));
  }
}

/** Send with the in-memory token; on a 401 refresh once (single flight, across tabs) and retry. */
async function fetchWithSession(request: Request): Promise<Response> {
  const { url, init } = await outgoing(request);
  const send = (token: string | null) => fetch(url, { ...init, headers: { ...init.headers, ...authHeader(token) } });
  return reachServer(async () => {
    let token = useAuthStore.getState().accessToken;
    if (!token) token = await refreshSession();
    let res = await send(token);
    if (res.status === 401) {
      // Another request may already have refreshed; otherwise refresh once (single flight).
      const current = useAuthStore.getState().accessToken;
      const next = current && current !== token ? current : await refreshSession();
      if (next) res = await send(next);
    }
    return res;
  });
}

/** Sign-in, registration and password reset: no token, and a 401 is the answer, not a cue to refresh. */
async function fetchWithoutSession(request: Request): Promise<Response> {
  const { url, init } = await outgoing(request);
  return reachServer(() => fetch(url, init));
}

// openapi-fetch builds a Request, which needs an absolute URL outside the browser (tests, build).
const ORIGIN = typeof window === "undefined" ? "http://localhost" : window.location.origin;

/** The API, typed from the server's OpenAPI schema (src/lib/api-schema.d.ts, `npm run gen:api`). */
export const api = createClient<paths>({ baseUrl: ORIGIN, fetch: fetchWithSession });
/** The same API without a session, for the signed-out pages. */
export const publicApi = createClient<paths>({ baseUrl: ORIGIN, fetch: fetchWithoutSession });

/** The data of a typed call, or its error as an ApiError (what React Query and the forms expect). */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw errorFromBody(response.status, error ?? null);
  return data as T;
}

type UploadPath = "/api/v1/glucose/import/csv" | "/api/v1/imports";
type UploadResponses<P extends UploadPath> = paths[P]["post"]["responses"];
type UploadResult<P extends UploadPath> =
  UploadResponses<P> extends { 200: { content: { "application/json": infer T } } }
    ? T
    : UploadResponses<P> extends { 202: { content: { "application/json": infer T } } }
      ? T
      : never;
type UploadQuery<P extends UploadPath> = paths[P]["post"]["parameters"] extends { query?: infer Q } ? NonNullable<Q> : never;

/** Multipart upload through XMLHttpRequest so the caller can show upload progress. */
export async function uploadWithProgress<P extends UploadPath>(
  path: P,
  form: FormData,
  onProgress: (fraction: number) => void,
  query?: UploadQuery<P>,
): Promise<UploadResult<P>> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null) params.set(k, String(v));
  const url = params.size ? `${path}?${params}` : path;
  return (await uploadForm(url, form, onProgress)) as UploadResult<P>;
}

/**
 * POST a multipart form to `url` through XMLHttpRequest (fetch cannot report upload progress),
 * with the session's token and one refresh on a 401; resolves to the JSON answer.
 */
async function uploadForm(url: string, form: FormData, onProgress: (fraction: number) => void): Promise<unknown> {
  const send = (token: string | null) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", url);
      xhr.withCredentials = true;
      if (token) xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = (ev) => {
        if (ev.lengthComputable && ev.total > 0) onProgress(ev.loaded / ev.total);
      };
      xhr.onload = () => resolve({ status: xhr.status, text: xhr.responseText });
      xhr.onerror = () => reject(new ApiError(0, "network_error", defaultMessage(0)));
      xhr.send(form);
    });

  let token = useAuthStore.getState().accessToken ?? (await refreshSession());
  let res = await send(token);
  if (res.status === 401) {
    token = await refreshSession();
    if (token) {
      onProgress(0);
      res = await send(token);
    }
  }
  let body: unknown = null;
  try {
    body = res.text ? JSON.parse(res.text) : null;
  } catch {
    body = null;
  }
  if (res.status < 200 || res.status >= 300) throw errorFromBody(res.status, body);
  onProgress(1);
  return body;
}
