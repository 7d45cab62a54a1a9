import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, buildUrl, logout, refreshSession } from "./api";
import { useAuthStore } from "./auth-store";

const user = {
  id: "u1",
  email: "a@b.c",
  display_name: null,
  timezone: "UTC",
  unit: "mg/dL",
  target_low_mgdl: 70,
  target_high_mgdl: 180,
  created_at: "2026-01-01T00:00:00Z",
};

function json(status: number, body: unknown): Response {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

describe("api client", () => {
  let fetchMock: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    document.cookie = "glucolens_csrf=csrf-123";
    useAuthStore.setState({ accessToken: "old", user: null, status: "authenticated" });
  });

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it("builds repeated query parameters and skips empty ones", () => {
    expect(buildUrl("/dashboard/summary", { days: [7, 30], cursor: null })).toBe("/api/v1/dashboard/summary?days=7&days=30");
  });

  it("sends the bearer token", async () => {
    fetchMock.mockResolvedValueOnce(json(200, { ok: true }));
    await api("/auth/me");
    const [, init] = fetchMock.mock.calls[0];
    expect(init.headers.Authorization).toBe("Bearer old");
  });

  it("refreshes once for concurrent 401s and retries with the new token", async () => {
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url.endsWith("/auth/refresh")) {
        await new Promise((r) => setTimeout(r, 10));
        return json(200, { access_token: "new", token_type: "bearer", expires_in: 900, refresh_token: "r", user });
      }
      const auth = (init.headers as Record<string, string>).Authorization;
      return auth === "Bearer new" ? json(200, { url }) : json(401, { error: { code: "unauthorized", message: "expired" } });
    });

    const results = await Promise.all([api<{ url: string }>("/a"), api<{ url: string }>("/b"), api<{ url: string }>("/c")]);
    expect(results.map((r) => r.url)).toEqual(["/api/v1/a", "/api/v1/b", "/api/v1/c"]);
    const refreshCalls = fetchMock.mock.calls.filter(([u]) => String(u).endsWith("/auth/refresh"));
    expect(refreshCalls).toHaveLength(1);
    const [, refreshInit] = refreshCalls[0];
    expect(refreshInit.credentials).toBe("same-origin");
    expect(refreshInit.headers["X-CSRF-Token"]).toBe("csrf-123");
    expect(refreshInit.body).toBeUndefined();
    expect(useAuthStore.getState().accessToken).toBe("new");
  });

  it("clears the session when the refresh fails", async () => {
    fetchMock.mockImplementation(async (url: string) =>
      url.endsWith("/auth/refresh") ? json(401, { error: { code: "unauthorized", message: "no" } }) : json(401, {}),
    );
    await expect(api("/auth/me")).rejects.toMatchObject({ status: 401 });
    expect(useAuthStore.getState().status).toBe("anonymous");
    expect(useAuthStore.getState().accessToken).toBeNull();
  });

  it("turns the error envelope into an ApiError with details", async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, { error: { code: "validation_failed", message: "Bad value", details: [{ field: "value", reason: "too high" }] } }),
    );
    const err = (await api("/glucose", { method: "POST", body: {} }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("validation_failed");
    expect(err.details[0].reason).toBe("too high");
  });

  it("returns undefined for 204", async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await expect(api("/glucose/1", { method: "DELETE" })).resolves.toBeUndefined();
  });

  it("logs out with the CSRF header and clears memory", async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await logout();
    const [url, init] = fetchMock.mock.calls[0];
    expect(url).toBe("/api/v1/auth/logout");
    expect(init.headers["X-CSRF-Token"]).toBe("csrf-123");
    expect(useAuthStore.getState().status).toBe("anonymous");
  });

  it("refreshSession stores the user", async () => {
    useAuthStore.setState({ accessToken: null, user: null, status: "unknown" });
    fetchMock.mockResolvedValueOnce(json(200, { access_token: "t", token_type: "bearer", expires_in: 1, refresh_token: "r", user }));
    await expect(refreshSession()).resolves.toBe("t");
    expect(useAuthStore.getState().user?.email).toBe("a@b.c");
    expect(useAuthStore.getState().status).toBe("authenticated");
  });
});
