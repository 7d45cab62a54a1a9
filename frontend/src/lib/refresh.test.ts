import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const user = {
  id: "u1",
  email: "a@b.c",
  display_name: null,
  timezone: "UTC",
  unit: "mg/dL" as const,
  target_low_mgdl: 70,
  target_high_mgdl: 180,
  created_at: "2026-01-01T00:00:00Z",
};

/**
 * The server's refresh rotation without a grace window: presenting an already rotated refresh
 * token revokes the session. The cookie jar is shared by all tabs, as in a browser.
 */
function rotatingServer() {
  const state = { valid: "r0", csrf: "c0", rotated: new Set<string>(), revoked: false, presented: [] as string[], n: 0 };
  document.cookie = `glucolens_csrf=${state.csrf}`;
  const fetchMock = vi.fn(async (url: string, init: RequestInit) => {
    if (!String(url).endsWith("/auth/refresh")) return new Response(null, { status: 204 });
    const sent = state.valid; // the cookie the browser attaches when the request starts
    const csrfOk = (init.headers as Record<string, string>)["X-CSRF-Token"] === state.csrf;
    state.presented.push(sent);
    await new Promise((r) => setTimeout(r, 20));
    if (!csrfOk) return new Response(JSON.stringify({ error: { code: "forbidden", message: "csrf" } }), { status: 403 });
    if (state.revoked || state.rotated.has(sent) || sent !== state.valid) {
      state.revoked = true;
      return new Response(JSON.stringify({ error: { code: "unauthorized", message: "reused" } }), { status: 401 });
    }
    state.rotated.add(sent);
    state.n += 1;
    state.valid = `r${state.n}`;
    state.csrf = `c${state.n}`;
    document.cookie = `glucolens_csrf=${state.csrf}`;
    const body = { access_token: `a${state.n}`, token_type: "bearer", expires_in: 900, refresh_token: null, user };
    return new Response(JSON.stringify(body), { status: 200, headers: { "Content-Type": "application/json" } });
  });
  return { state, fetchMock };
}

/** A Web Locks stand-in: requests for one name run one after another, in order. */
function installLocks() {
  const tails = new Map<string, Promise<unknown>>();
  const locks = {
    request<T>(name: string, callback: () => Promise<T>): Promise<T> {
      const run = (tails.get(name) ?? Promise.resolve()).then(callback);
      tails.set(
        name,
        run.catch(() => undefined),
      );
      return run;
    },
  };
  Object.defineProperty(navigator, "locks", { value: locks, configurable: true });
}

/** Each tab has its own module instances (memory) but shares cookies, locks and channels. */
async function openTab() {
  vi.resetModules();
  const refresh = await import("./refresh");
  const { useAuthStore } = await import("./auth-store");
  refresh.joinSessionChannel();
  return { refresh, store: useAuthStore };
}

type Tab = Awaited<ReturnType<typeof openTab>>;

describe("refresh across tabs", () => {
  let tabs: Tab[] = [];

  beforeEach(() => {
    tabs = [];
  });

  afterEach(() => {
    tabs.forEach((t) => t.refresh.leaveSessionChannel());
    Reflect.deleteProperty(navigator, "locks");
    vi.unstubAllGlobals();
  });

  it("three tabs reloading at once refresh once and all stay signed in", async () => {
    const { state, fetchMock } = rotatingServer();
    vi.stubGlobal("fetch", fetchMock);
    installLocks();
    tabs = [await openTab(), await openTab(), await openTab()];

    const tokens = await Promise.all(tabs.map((t) => t.refresh.refreshSession()));

    expect(state.revoked).toBe(false);
    expect(new Set(state.presented).size).toBe(state.presented.length);
    expect(tokens).toEqual(["a1", "a1", "a1"]);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    for (const t of tabs) expect(t.store.getState().status).toBe("authenticated");
  });

  it("a tab that finds no shared token refreshes with the rotated cookie, not the old one", async () => {
    const { state, fetchMock } = rotatingServer();
    vi.stubGlobal("fetch", fetchMock);
    installLocks();
    tabs = [await openTab(), await openTab()];
    // The second tab signed in as someone else, so it may not take the first tab's token.
    tabs[1].store.setState({ user: { ...user, id: "u2" }, status: "authenticated", accessToken: "other" });

    await Promise.all(tabs.map((t) => t.refresh.refreshSession()));

    expect(state.revoked).toBe(false);
    expect(state.presented).toEqual(["r0", "r1"]);
  });

  it("signing out in one tab signs the others out", async () => {
    const { fetchMock } = rotatingServer();
    vi.stubGlobal("fetch", fetchMock);
    installLocks();
    tabs = [await openTab(), await openTab()];
    await Promise.all(tabs.map((t) => t.refresh.refreshSession()));

    await tabs[0].refresh.logout();

    await vi.waitFor(() => expect(tabs[1].store.getState().status).toBe("anonymous"));
    expect(tabs[1].store.getState().accessToken).toBeNull();
  });

  it("without Web Locks each tab still refreshes (the server's grace window covers the race)", async () => {
    const { fetchMock } = rotatingServer();
    vi.stubGlobal("fetch", fetchMock);
    tabs = [await openTab()];
    await expect(tabs[0].refresh.refreshSession()).resolves.toBe("a1");
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });
});
