/**
 * Browser notifications through web push (W3C Push API, RFC 8030/8291/8292): register the
 * service worker (public/sw.js, scope "/"), ask for permission, subscribe with the server's
 * VAPID key, and hand the subscription to the server. The service worker shows what arrives.
 */

export type PushState = "unsupported" | "default" | "denied" | "granted";

export const SW_URL = "/sw.js";

/** What this browser allows: no Push API at all, not asked yet, blocked, or allowed. */
export function pushState(): PushState {
  if (typeof window === "undefined" || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    return "unsupported";
  }
  return Notification.permission as PushState;
}

/** A base64url VAPID key (RFC 8292: the uncompressed P-256 point) as the bytes subscribe() takes. */
export function urlBase64ToUint8Array(base64url: string): Uint8Array<ArrayBuffer> {
  const padded = base64url
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .padEnd(Math.ceil(base64url.length / 4) * 4, "=");
  const raw = atob(padded);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(sub: PushSubscription, key: Uint8Array): boolean {
  const current = sub.options?.applicationServerKey;
  if (!current) return false;
  const bytes = new Uint8Array(current);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}

export async function registration(): Promise<ServiceWorkerRegistration> {
  await navigator.serviceWorker.register(SW_URL, { scope: "/" });
  return navigator.serviceWorker.ready;
}

/** The subscription this browser already has (after an earlier "Enable"), or null. */
export async function existingSubscription(): Promise<PushSubscription | null> {
  if (pushState() !== "granted") return null;
  const reg = await navigator.serviceWorker.getRegistration("/");
  return (await reg?.pushManager.getSubscription()) ?? null;
}

export class PushDenied extends Error {
  constructor() {
    super("Notifications are blocked for this site.");
    this.name = "PushDenied";
  }
}

/**
 * Ask for permission (the browser shows its prompt once) and subscribe with `vapidKey`. A
 * subscription made with another key (the server's key changed) is replaced.
 */
export async function subscribeBrowser(vapidKey: string): Promise<PushSubscriptionJSON> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") throw new PushDenied();
  const reg = await registration();
  const key = urlBase64ToUint8Array(vapidKey);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await withTimeout(
    reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
    SUBSCRIBE_TIMEOUT_MS,
    "The browser's push service did not answer. Try again later, or use email alerts.",
  );
  return sub.toJSON();
}

/**
 * Some browsers never settle subscribe() when they have no push service (headless Chromium,
 * browsers with push switched off): give up with a sentence instead of "Asking…" forever.
 */
export const SUBSCRIBE_TIMEOUT_MS = 15_000;

export function withTimeout<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(message)), ms);
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

/** The pieces of PushSubscription.toJSON() the server stores (it ignores anything else). */
export function subscriptionBody(json: PushSubscriptionJSON): {
  endpoint: string;
  expirationTime: number | null;
  keys: { p256dh: string; auth: string };
} {
  if (!json.endpoint || !json.keys?.p256dh || !json.keys?.auth) throw new Error("The browser gave an incomplete push subscription.");
  return { endpoint: json.endpoint, expirationTime: json.expirationTime ?? null, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } };
}
