import { useAuthStore } from "./auth-store";
import { CSRF_COOKIE, readCookie } from "./cookies";
import type { TokenPair, User } from "./api-types";

const REFRESH_URL = "/api/v1/auth/refresh";
const LOGOUT_URL = "/api/v1/auth/logout";
/** Name of the Web Lock that lets one tab at a time exchange the refresh cookie. */
export const REFRESH_LOCK = "glucolens-refresh";
export const SESSION_CHANNEL = "glucolens-session";

type SessionMessage = { type: "session"; accessToken: string; user: User } | { type: "signed-out" };

/** How long a tab that finds the cookies rotated waits for the new token to be shared. */
const SHARE_WAIT_MS = 1000;

let channel: BroadcastChannel | null | undefined;
// Bumped whenever another tab hands us a token; lets a tab that waited for the lock see
// that the refresh it wanted has already happened.
let sharedGeneration = 0;
const shareWaiters = new Set<() => void>();

function sessionChannel(): BroadcastChannel | null {
  if (channel !== undefined) return channel;
  channel = typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel(SESSION_CHANNEL);
  channel?.addEventListener("message", (ev: MessageEvent<SessionMessage>) => onMessage(ev.data));
  return channel;
}

function onMessage(msg: SessionMessage) {
  const store = useAuthStore.getState();
  if (msg.type === "signed-out") {
    if (store.status !== "anonymous") store.clear();
    return;
  }
  // A tab that signed out keeps its state; a different account's token is not ours to take.
  if (store.status === "anonymous" || (store.user && store.user.id !== msg.user.id)) return;
  sharedGeneration += 1;
  store.setSession(msg.accessToken, msg.user);
  shareWaiters.forEach((wake) => wake());
}

/** Resolves true once a token has been shared since `generation`, false after `ms`. */
function sharedSince(generation: number, ms: number): Promise<boolean> {
  if (sharedGeneration !== generation) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      shareWaiters.delete(done);
      resolve(sharedGeneration !== generation);
    };
    const timer = setTimeout(done, ms);
    shareWaiters.add(done);
  });
}

function announce(msg: SessionMessage) {
  try {
    sessionChannel()?.postMessage(msg);
  } catch {
    /* a closed channel only costs the other tabs a refresh of their own */
  }
}

/** Tell the other tabs about a new access token (after sign-in or a refresh). */
export function shareSession(accessToken: string, user: User) {
  announce({ type: "session", accessToken, user });
}

/** Start listening early, so a token another tab refreshes reaches this one. */
export function joinSessionChannel() {
  sessionChannel();
}

/** Stop listening (tests; a page that unloads closes its channel by itself). */
export function leaveSessionChannel() {
  channel?.close();
  channel = undefined;
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

function lockManager(): LockManagerLike | null {
  const locks = typeof navigator !== "undefined" ? (navigator as Navigator & { locks?: LockManagerLike }).locks : undefined;
  return locks && typeof locks.request === "function" ? locks : null;
}

let refreshInFlight: Promise<string | null> | null = null;

/**
 * Exchange the refresh cookie for a new access token. Concurrent callers in this tab share one
 * request; across tabs a Web Lock lets one tab refresh at a time and a BroadcastChannel hands
 * its new token to the others, so two tabs never present the same (just rotated) cookie.
 * Without Web Locks each tab refreshes on its own and the server's grace window absorbs the race.
 */
export function refreshSession(): Promise<string | null> {
  if (!refreshInFlight) {
    refreshInFlight = lockedRefresh().finally(() => {
      refreshInFlight = null;
    });
  }
  return refreshInFlight;
}

async function lockedRefresh(): Promise<string | null> {
  sessionChannel();
  const locks = lockManager();
  if (!locks) return fetchRefresh();
  const generation = sharedGeneration;
  const csrfBefore = readCookie(CSRF_COOKIE);
  try {
    return await locks.request(REFRESH_LOCK, async () => {
      // Cookies rotated while we waited: another tab refreshed and is about to share its token.
      const rotated = readCookie(CSRF_COOKIE) !== csrfBefore;
      if (sharedGeneration !== generation || (rotated && (await sharedSince(generation, SHARE_WAIT_MS)))) {
        const { accessToken, status } = useAuthStore.getState();
        if (accessToken && status === "authenticated") return accessToken;
      }
      return fetchRefresh();
    });
  } catch {
    return fetchRefresh();
  }
}

async function fetchRefresh(): Promise<string | null> {
  // Read inside the lock: each refresh sets a new CSRF cookie along with the refresh cookie.
  const csrf = readCookie(CSRF_COOKIE);
  try {
    const res = await fetch(REFRESH_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: csrf ? { "X-CSRF-Token": csrf } : {},
    });
    if (!res.ok) {
      useAuthStore.getState().clear();
      return null;
    }
    const pair = (await res.json()) as TokenPair;
    useAuthStore.getState().setSession(pair.access_token, pair.user);
    shareSession(pair.access_token, pair.user);
    return pair.access_token;
  } catch {
    useAuthStore.getState().clear();
    return null;
  }
}

export async function logout(): Promise<void> {
  const csrf = readCookie(CSRF_COOKIE);
  try {
    await fetch(LOGOUT_URL, {
      method: "POST",
      credentials: "same-origin",
      headers: csrf ? { "X-CSRF-Token": csrf } : {},
    });
  } finally {
    useAuthStore.getState().clear();
    announce({ type: "signed-out" });
  }
}

/** Sign the other tabs out too (after "sign out everywhere"). */
export function announceSignedOut() {
  announce({ type: "signed-out" });
}
