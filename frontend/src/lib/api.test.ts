import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, logout, publicApi, refreshSession, unwrap } from "./api";
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

  it("builds repeated query parameters and skips empty ones", async () => {
    fetchMock.mockResolvedValueOnce(json(200, {}));
    await unwrap(api.GET("/api/v1/dashboard/summary", { params: { query: { days: [7, 30], end: null } } }));
    const [url] = fetchMock.mock.calls[0];
    expect(new URL(url).pathname + new URL(url).search).toBe("/api/v1/dashboard/summary?days=7&days=30");
  });

  it("sends the bearer token", async () => {
    fetchMock.mockResolvedValueOnce(json(200, { ok: true }));
    await unwrap(api.GET("/api/v1/auth/me"));
    const [, init] = fetchMock.mock.calls[0];
    expect(init.headers.Authorization).toBe("Bearer old");
    expect(init.credentials).toBe("same-origin");
  });

  it("refreshes once for concurrent 401s and retries with the new token", async () => {
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url.endsWith("/auth/refresh")) {
        await new Promise((r) => setTimeout(r, 10));
        return json(200, { access_token: "new", token_type: "bearer", expires_in: 900, refresh_token: "r", user });
      }
      const auth = (init.headers as Record<string, string>).Authorization;
      return auth === "Bearer new"
        ? json(200, { path: new URL(url).pathname })
        : json(401, { error: { code: "unauthorized", message: "expired" } });
    });

    const paths = (await Promise.all([
      unwrap(api.GET("/api/v1/auth/me")),
      unwrap(api.GET("/api/v1/dashboard/data-range")),
      unwrap(api.GET("/api/v1/data/sources")),
    ])) as unknown as { path: string }[];
    expect(paths.map((r) => r.path)).toEqual(["/api/v1/auth/me", "/api/v1/dashboard/data-range", "/api/v1/data/sources"]);
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
    await expect(unwrap(api.GET("/api/v1/auth/me"))).rejects.toMatchObject({ status: 401 });
    expect(useAuthStore.getState().status).toBe("anonymous");
    expect(useAuthStore.getState().accessToken).toBeNull();
  });

  it("turns the error envelope into an ApiError with details", async () => {
    fetchMock.mockResolvedValueOnce(
      json(422, { error: { code: "validation_failed", message: "Bad value", details: [{ field: "value", reason: "too high" }] } }),
    );
    const body = { timestamp: "2026-03-01T08:00:00Z", value: 900, unit: "mg/dL", source: "manual", kind: "cgm" as const };
    const err = (await unwrap(api.POST("/api/v1/glucose", { body })).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe("validation_failed");
    expect(err.details[0].reason).toBe("too high");
  });

  it("returns undefined for 204", async () => {
    fetchMock.mockResolvedValueOnce(new Response(null, { status: 204 }));
    await expect(unwrap(api.DELETE("/api/v1/glucose/{id}", { params: { path: { id: 1 } } }))).resolves.toBeUndefined();
  });

  it("sends a body again when it retries after a refresh", async () => {
    const bodies: (string | undefined)[] = [];
    fetchMock.mockImplementation(async (url: string, init: RequestInit) => {
      if (url.endsWith("/auth/refresh"))
        return json(200, { access_token: "new", token_type: "bearer", expires_in: 900, refresh_token: null, user });
      bodies.push(init.body as string | undefined);
      const auth = (init.headers as Record<string, string>).Authorization;
      return auth === "Bearer new" ? json(201, { id: 1 }) : json(401, { error: { code: "unauthorized", message: "expired" } });
    });
    const body = { timestamp: "2026-03-01T08:00:00Z", value: 120, unit: "mg/dL", source: "manual", kind: "cgm" as const };
    await unwrap(api.POST("/api/v1/glucose", { body }));
    expect(bodies).toHaveLength(2);
    expect(bodies.map((b) => JSON.parse(b ?? "null"))).toEqual([body, body]);
  });

  it("signs in without a token and keeps the server's answer to a wrong password", async () => {
    fetchMock.mockResolvedValueOnce(json(401, { error: { code: "invalid_credentials", message: "Wrong email or password." } }));
    const err = (await unwrap(publicApi.POST("/api/v1/auth/login", { body: { email: "a@b.c", password: "nope" } })).catch(
      (e: unknown) => e,
    )) as ApiError;
    expect(err.message).toBe("Wrong email or password.");
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [, init] = fetchMock.mock.calls[0];
    expect(init.headers.Authorization).toBeUndefined();
    expect(useAuthStore.getState().accessToken).toBe("old");
  });

  it("turns a network failure into an ApiError with status 0", async () => {
    fetchMock.mockRejectedValueOnce(new TypeError("Failed to fetch"));
    await expect(unwrap(api.GET("/api/v1/auth/me"))).rejects.toMatchObject({ status: 0, code: "network_error" });
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
