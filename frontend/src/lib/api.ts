import { useAuthStore } from "./auth-store";
import { refreshSession } from "./refresh";
import type { ErrorDetail } from "./types";

export { logout, refreshSession } from "./refresh";

export const API_BASE = "/api/v1";

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

type QueryValue = string | number | boolean | null | undefined | (string | number)[];

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** Send the bearer token and refresh on 401 (default true). */
  auth?: boolean;
  signal?: AbortSignal;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  const url = path.startsWith("/api/") || path.startsWith("/healthz") ? path : `${API_BASE}${path}`;
  if (!query) return url;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => params.append(key, String(v)));
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${url}?${qs}` : url;
}

export async function toApiError(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: fall through to a generic message */
  }
  return errorFromBody(res.status, body);
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

/** Fetch JSON from the API with the in-memory token, refreshing once on a 401. */
export async function apiRequest<T>(path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
  const { method = "GET", body, query, auth = true, signal } = opts;
  const url = buildUrl(path, query);
  const isForm = typeof FormData !== "undefined" && body instanceof FormData;

  const send = (token: string | null) =>
    fetch(url, {
      method,
      signal,
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        ...(body !== undefined && !isForm ? { "Content-Type": "application/json" } : {}),
        ...(auth ? authHeader(token) : {}),
      },
      body: body === undefined ? undefined : isForm ? (body as FormData) : JSON.stringify(body),
    });

  let res: Response;
  try {
    let token = auth ? useAuthStore.getState().accessToken : null;
    if (auth && !token) token = await refreshSession();
    res = await send(token);
    if (res.status === 401 && auth) {
      // Another request may already have refreshed; otherwise refresh once (single flight).
      const current = useAuthStore.getState().accessToken;
      const next = current && current !== token ? current : await refreshSession();
      if (next) res = await send(next);
    }
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, "network_error", defaultMessage(0));
  }

  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return { status: res.status, data: undefined as T };
  const text = await res.text();
  return { status: res.status, data: (text ? JSON.parse(text) : undefined) as T };
}

export async function api<T>(path: string, opts?: RequestOptions): Promise<T> {
  return (await apiRequest<T>(path, opts)).data;
}

/** Multipart upload through XMLHttpRequest so the caller can show upload progress. */
export async function uploadWithProgress<T>(path: string, form: FormData, onProgress: (fraction: number) => void): Promise<T> {
  const send = (token: string | null) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("POST", buildUrl(path));
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
  return body as T;
}
