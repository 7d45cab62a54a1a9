import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";

type Listener = (event: Record<string, unknown>) => void;

/** Load public/sw.js into a fake worker scope and return its listeners and spies. */
function loadWorker(windows: { url: string; focus: () => unknown; navigate?: (u: string) => unknown }[] = []) {
  const listeners: Record<string, Listener> = {};
  const scope = {
    location: { origin: "https://glucose.example.org" },
    addEventListener: (type: string, fn: Listener) => (listeners[type] = fn),
    skipWaiting: vi.fn(),
    registration: { showNotification: vi.fn(async () => undefined) },
    clients: { claim: vi.fn(), matchAll: vi.fn(async () => windows), openWindow: vi.fn(async () => null) },
  };
  const source = readFileSync(join(process.cwd(), "public", "sw.js"), "utf8");
  new Function("self", source)(scope);
  return { listeners, scope };
}

async function dispatch(listener: Listener, event: Record<string, unknown>) {
  let work: Promise<unknown> = Promise.resolve();
  listener({ ...event, waitUntil: (p: Promise<unknown>) => (work = p) });
  await work;
}

/** A push payload shaped as backend alerts/content.py push_payload builds it. */
const payload = {
  type: "alert",
  id: "7f9c",
  kind: "urgent_low",
  severity: "urgent",
  purpose: "repeat",
  title: "Urgent low: 52 mg/dL",
  body: "Glucose is 52 mg/dL. Treat it now.",
  at: "2026-12-07T10:00:00Z",
  url: "https://glucose.example.org/alerts?alert=7f9c",
  tag: "glucolens-urgent_low",
  renotify: true,
  require_interaction: true,
};

describe("service worker (public/sw.js)", () => {
  it("shows a push as a notification that stays until acted on for an urgent alert, tagged so a repeat replaces it", async () => {
    const { listeners, scope } = loadWorker();
    await dispatch(listeners.push, { data: { json: () => payload, text: () => JSON.stringify(payload) } });
    const [title, options] = scope.registration.showNotification.mock.calls[0] as unknown as [string, Record<string, unknown>];
    expect(title).toBe("Urgent low: 52 mg/dL");
    expect(options).toMatchObject({
      body: "Glucose is 52 mg/dL. Treat it now.",
      tag: "glucolens-urgent_low",
      renotify: true,
      requireInteraction: true,
      data: { url: "/alerts?alert=7f9c", alertId: "7f9c" },
    });
  });

  it("tags by alert id when the payload has no tag, and never sends a click to another origin", async () => {
    const { listeners, scope } = loadWorker();
    const p = { ...payload, tag: undefined, require_interaction: undefined, severity: "warning", url: "https://evil.example/x" };
    await dispatch(listeners.push, { data: { json: () => p } });
    const options = (scope.registration.showNotification.mock.calls[0] as unknown as [string, Record<string, unknown>])[1];
    expect(options).toMatchObject({ tag: "alert-7f9c", requireInteraction: false, data: { url: "/alerts/" } });
  });

  it("focuses an open GlucoLens window on a click and takes it to the alert, or opens one", async () => {
    const win = { url: "https://glucose.example.org/dashboard/", focus: vi.fn(), navigate: vi.fn() };
    const open = loadWorker([win]);
    const notification = { close: vi.fn(), data: { url: "/alerts?alert=7f9c" } };
    await dispatch(open.listeners.notificationclick, { notification });
    expect(notification.close).toHaveBeenCalled();
    expect(win.focus).toHaveBeenCalled();
    expect(win.navigate).toHaveBeenCalledWith("https://glucose.example.org/alerts?alert=7f9c");

    const none = loadWorker([]);
    await dispatch(none.listeners.notificationclick, { notification });
    expect(none.scope.clients.openWindow).toHaveBeenCalledWith("https://glucose.example.org/alerts?alert=7f9c");
  });
});
