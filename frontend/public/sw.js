// GlucoLens service worker: shows alert notifications sent by web push (RFC 8030, payload
// encrypted per RFC 8291 and decrypted by the browser) and opens the alert history on a click.
// It caches nothing and handles no fetches: the app is always loaded from the server.
// Payload (backend alerts/content.py push_payload): {"type": "alert", "id", "kind", "severity",
// "purpose", "title", "body", "value", "unit", "at", "url", "tag", "renotify", "require_interaction"}.

const HISTORY_URL = "/alerts/";

function parsePayload(data) {
  if (!data) return {};
  try {
    return data.json();
  } catch {
    return { body: data.text() };
  }
}

self.addEventListener("install", () => {
  // A new version takes over at once; there is no cache that could go out of step with it.
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

/** Only this origin's pages: a payload must not send a click anywhere else. */
function sameOriginPath(url) {
  try {
    const u = new URL(url, self.location.origin);
    return u.origin === self.location.origin ? u.pathname + u.search : HISTORY_URL;
  } catch {
    return HISTORY_URL;
  }
}

self.addEventListener("push", (event) => {
  const p = parsePayload(event.data);
  const urgent = p.severity === "urgent";
  const id = p.id || p.alert_id || null;
  const title = p.title || "GlucoLens alert";
  const options = {
    body: p.body || p.message || "",
    // The server's tag (one notification per alert kind) or the alert's id: a repeat replaces
    // the notification instead of stacking another, and with renotify it rings again.
    tag: p.tag || (id ? `alert-${id}` : "glucolens"),
    renotify: p.renotify !== undefined ? Boolean(p.renotify) : Boolean(id),
    // Urgent alerts stay on screen until the person acts on them.
    requireInteraction: p.require_interaction !== undefined ? Boolean(p.require_interaction) : urgent,
    silent: p.severity === "info",
    icon: "/icon.svg",
    badge: "/icon.svg",
    timestamp: p.at ? Date.parse(p.at) : Date.now(),
    data: { url: typeof p.url === "string" ? sameOriginPath(p.url) : HISTORY_URL, alertId: id },
  };
  if (urgent) options.vibrate = [400, 200, 400, 200, 400];
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || HISTORY_URL, self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const same = windows.find((c) => c.url === target);
      if (same) return same.focus();
      const any = windows.find((c) => new URL(c.url).origin === self.location.origin);
      if (any) {
        await any.focus();
        return "navigate" in any ? any.navigate(target) : undefined;
      }
      return self.clients.openWindow(target);
    })(),
  );
});
