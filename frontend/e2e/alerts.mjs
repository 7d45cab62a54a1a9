// Issue 14's walks: the dashboard's current reading updates live over /ws/alerts when a reading is
// posted through the API with an API key; a low threshold set in mmol/L on settings → alerts
// raises a toast and the bell's count when a low reading arrives; the history marks it read.
// run.mjs calls these with `t`, its toolkit: { page, context, baseUrl, step, shot, text, gotoApp, apiGet, log }.

import { openPhone, pagesFitPhone } from "./flows.mjs";

const MGDL_PER_MMOL = 18.0182;

async function api(t, token, method, path, body) {
  const res = await fetch(`${t.baseUrl}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** A CGM reading as an uploader posts it with an API key: mg/dL, a trend, `minAgo` minutes old. */
async function postReading(t, apiKey, minAgo, mgdl, trend = "Flat") {
  const timestamp = new Date(Date.now() - minAgo * 60_000).toISOString();
  await api(t, apiKey, "POST", "/glucose", { timestamp, value: mgdl, unit: "mg/dL", trend, source: "api", kind: "cgm" });
}

async function waitForText(page, testId, re, timeout = 10_000) {
  const loc = page.getByTestId(testId).first();
  const deadline = Date.now() + timeout;
  let last = "";
  while (Date.now() < deadline) {
    last = ((await loc.textContent({ timeout }).catch(() => "")) ?? "").trim();
    if (re.test(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`${testId} reads "${last}", expected ${re}`);
}

/** The page has not been reloaded since `mark` was set on its window. */
async function sameDocument(page) {
  return page.evaluate(() => window.__alertsWalk === "no-reload");
}

/**
 * A new account: the empty dashboard turns into the current-reading tile when the first reading
 * arrives, and the tile follows the next one, both without a reload.
 */
export async function liveTile(t, email, password) {
  const { page, gotoApp, shot } = t;
  await gotoApp(page, "/register/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard\/?$/);
  await page.getByTestId("dashboard-empty").waitFor();
  const login = await fetch(`${t.baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password, device: "e2e-alerts" }),
  });
  const token = (await login.json()).access_token;
  const { key: apiKey } = await api(t, token, "POST", "/auth/api-keys", { name: "e2e uploader", scopes: ["write:readings"] });

  await page.evaluate(() => {
    window.__alertsWalk = "no-reload";
  });
  const t0 = Date.now();
  await postReading(t, apiKey, 9, 86);
  await page.getByTestId("current-reading").waitFor({ timeout: 10_000 });
  await waitForText(page, "current-value", /^86$/);
  const firstMs = Date.now() - t0;
  await page.getByTestId("connection-status").and(page.locator('[data-status="live"]')).waitFor({ timeout: 10_000 });

  const t1 = Date.now();
  await postReading(t, apiKey, 4.5, 84);
  await waitForText(page, "current-value", /^84$/);
  const liveMs = Date.now() - t1;
  const change = await waitForText(page, "current-change", /−2 mg\/dL/);
  if (!(await sameDocument(page))) throw new Error("the page reloaded");
  await shot(page, "40-dashboard-live-tile");
  return { token, apiKey, detail: `first reading shown ${firstMs} ms after the POST, next one ${liveMs} ms (change ${change}), no reload` };
}

/** Settings → alerts in mmol/L: the low threshold saved; a low reading raises a toast and the bell count. */
export async function lowAlert(t, token, apiKey) {
  const { page, gotoApp, shot } = t;
  await api(t, token, "PUT", "/auth/profile", { unit: "mmol/L" });
  await gotoApp(page, "/settings/alerts/");
  const low = page.getByTestId("kind-low");
  const threshold = low.getByTestId("kind-low-threshold");
  await threshold.waitFor();
  const label = await low.getByText(/^Threshold \(/).textContent();
  if (label !== "Threshold (mmol/L)") throw new Error(`the low threshold is labelled "${label}"`);
  if ((await threshold.getAttribute("step")) !== "0.1") throw new Error(`mmol/L step ${await threshold.getAttribute("step")}`);
  if ((await threshold.inputValue()) !== "3.9") throw new Error(`default low threshold shows ${await threshold.inputValue()}`);

  // Out of bounds first: the server's 422, in words, under the field.
  await threshold.fill("9");
  await low.getByTestId("kind-low-save").click();
  const refusal = await waitForText(page, "kind-low", /The low threshold must be between/);
  if (/low_|kinds\[/.test(refusal)) throw new Error(`the refusal shows codes: ${refusal}`);

  await threshold.fill("4.6");
  await low.getByTestId("kind-low-save").click();
  await low.getByTestId("kind-low-saved").waitFor();
  const config = await api(t, token, "GET", "/alerts/config");
  const stored = config.kinds.find((k) => k.kind === "low").threshold_mgdl;
  if (Math.abs(stored - 4.6 * MGDL_PER_MMOL) > 0.5) throw new Error(`stored low threshold ${stored} mg/dL`);
  await shot(page, "41-settings-alerts-mmol");

  await gotoApp(page, "/dashboard/");
  await page.getByTestId("connection-status").and(page.locator('[data-status="live"]')).waitFor({ timeout: 10_000 });
  const t0 = Date.now();
  // 81 mg/dL = 4.5 mmol/L, below 4.6; a gentle fall, so no urgent-low forecast joins in.
  await postReading(t, apiKey, 0, 81, "FortyFiveDown");
  const toast = page.getByTestId("alert-toast").filter({ hasText: /^Low/ });
  await toast.waitFor({ timeout: 10_000 });
  const toastMs = Date.now() - t0;
  const title = (await toast.getByTestId("alert-toast-title").textContent()).trim();
  if (!/4\.5 mmol\/L/.test(title)) throw new Error(`toast title "${title}" does not give 4.5 mmol/L`);
  const count = await waitForText(page, "alert-bell-count", /^[1-9]/);
  await waitForText(page, "current-value", /^4\.5$/);
  await shot(page, "42-low-toast");
  return `toast "${title}" ${toastMs} ms after the POST; bell shows ${count}`;
}

/** The bell opens the history: the low alert unread, with its decisions; mark read empties the bell. */
export async function alertHistory(t) {
  const { page, shot } = t;
  await page.getByTestId("alert-bell").click();
  await page.waitForURL(/\/alerts\/?(\?.*)?$/);
  const row = page.locator('[data-testid="alert-row"][data-kind="low"]').first();
  await row.waitFor();
  if ((await row.getAttribute("data-unread")) !== "true") throw new Error("the new low alert is not unread");
  const text = (await row.textContent()).replace(/\s+/g, " ");
  if (!/4\.5 mmol\/L/.test(text)) throw new Error(`history row lacks the value in mmol/L: ${text.slice(0, 200)}`);
  await row.locator("summary").click();
  const decisions = await row.getByTestId("alert-decision").allTextContents();
  await shot(page, "43-alert-history");
  await row.getByTestId("alert-mark-read").click();
  await page.locator('[data-testid="alert-row"][data-kind="low"][data-unread="false"]').first().waitFor();
  await page.getByTestId("alert-bell-count").waitFor({ state: "detached", timeout: 10_000 });
  const label = await page.getByTestId("alert-bell").getAttribute("aria-label");
  return `decisions: ${decisions.map((d) => d.replace(/\s+/g, " ").trim()).join(" | ") || "none"}; after mark read the bell says "${label}"`;
}

/** "Send test notification" answers with each channel's outcome (the live channel at least). */
export async function testNotification(t) {
  const { page, gotoApp } = t;
  await gotoApp(page, "/settings/alerts/");
  await page.getByTestId("send-test").click();
  const row = page.locator('[data-testid="test-delivery"][data-channel="websocket"]');
  await row.waitFor({ timeout: 15_000 });
  const all = await page.getByTestId("test-delivery").allTextContents();
  if ((await row.getAttribute("data-status")) !== "sent") throw new Error(`websocket delivery: ${await row.textContent()}`);
  await page.getByTestId("alert-toast").filter({ hasText: /test/i }).first().waitFor({ timeout: 10_000 });
  return all.map((s) => s.trim()).join("; ");
}

/**
 * The backend goes away and comes back (same port and database, a new process): the tile says
 * "Reconnecting…" meanwhile, keeps its last value, and follows the next reading once live again.
 * The restarted in-memory hub counts its sequence from 1 again, below the page's last seq: the
 * client must take that as a gap and follow the new numbering, or it would drop the reading.
 */
export async function reconnectAfterRestart(t, apiKey) {
  const { page, shot } = t;
  const status = (s) => page.getByTestId("connection-status").and(page.locator(`[data-status="${s}"]`));
  await status("live").waitFor({ timeout: 10_000 });
  const before = (await page.getByTestId("current-value").textContent()).trim();
  const t0 = Date.now();
  await t.restartBackend(async () => {
    await status("reconnecting").waitFor({ timeout: 10_000 });
    const shown = (await page.getByTestId("current-value").textContent()).trim();
    if (shown !== before) throw new Error(`the tile changed to ${shown} while the server was down`);
    await shot(page, "40b-dashboard-reconnecting");
  });
  await status("live").waitFor({ timeout: 30_000 });
  const downMs = Date.now() - t0;
  await postReading(t, apiKey, 2, 83);
  await waitForText(page, "current-value", /^83$/);
  if (!(await sameDocument(page))) throw new Error("the page reloaded");
  return `"Reconnecting…" while down; live again ${downMs} ms after the stop; the next reading (83) shown without a reload`;
}

/** public/sw.js is served as JavaScript and registers under the app's CSP, scope "/". */
export async function serviceWorker(t) {
  const { page, gotoApp } = t;
  await gotoApp(page, "/alerts/");
  await page.getByTestId("alerts-list").or(page.getByTestId("alerts-empty")).first().waitFor();
  const res = await fetch(`${t.baseUrl}/sw.js`);
  const type = res.headers.get("content-type") ?? "";
  if (!res.ok || !/javascript/.test(type)) throw new Error(`/sw.js: ${res.status} ${type}`);
  const scope = await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    return reg.scope;
  });
  if (new URL(scope).pathname !== "/") throw new Error(`scope ${scope}`);
  return `registered, scope ${new URL(scope).pathname}, ${type}, cache ${res.headers.get("cache-control")}`;
}

/** The history and the settings page at 390 px in the dark theme: nothing wider than the screen; a toast fits too. */
export async function alertPagesOnPhone(t, token) {
  const phone = await openPhone(t);
  try {
    const widths = await pagesFitPhone(t, phone, [
      ["/alerts/", "alert-row", "44-phone-alerts-dark"],
      ["/settings/alerts/", "kind-pattern", "45-phone-settings-alerts-dark"],
    ]);
    // A toast on a phone: a test notification sent while the dashboard is open.
    await t.gotoApp(phone, "/dashboard/");
    await phone.getByTestId("connection-status").and(phone.locator('[data-status="live"]')).waitFor({ timeout: 10_000 });
    await api(t, token, "POST", "/alerts/test");
    const toast = phone.getByTestId("alert-toast").first();
    await toast.waitFor({ timeout: 10_000 });
    const box = await toast.boundingBox();
    if (!box || box.x < 0 || box.x + box.width > 390) throw new Error(`the toast spans ${box?.x}–${(box?.x ?? 0) + (box?.width ?? 0)} px`);
    await phone.screenshot({ path: t.shotPath("46-phone-toast-dark") });
    return `${widths.join(", ")}; a toast spans ${Math.round(box.x)}–${Math.round(box.x + box.width)} px`;
  } finally {
    await phone.close();
  }
}

/**
 * "Enable notifications" in headless Chromium: refused permission shows how to allow it; with
 * permission granted the page subscribes through the service worker and the server stores the
 * subscription, or, where the browser has no push service (headless builds without one), the
 * page says why it could not. Either way the flow ends in words, not silence.
 */
export async function enableNotifications(t, token) {
  const { page, context, gotoApp, shot } = t;
  await context.clearPermissions();
  await gotoApp(page, "/settings/alerts/");
  const enable = page.getByTestId("push-enable");
  await enable.waitFor();
  await enable.click();
  const denied = page.getByTestId("push-denied");
  const failed = page.getByText(/^Could not turn on notifications/);
  const on = page.getByTestId("push-on");
  await denied.or(failed).or(on).first().waitFor({ timeout: 15_000 });
  const first = (await denied.count()) ? `refused: "${(await denied.textContent()).slice(0, 60)}…"` : "not refused";

  await context.grantPermissions(["notifications"], { origin: t.baseUrl });
  await gotoApp(page, "/settings/alerts/");
  await page.getByTestId("push-enable").or(on).first().waitFor();
  if (await page.getByTestId("push-enable").count()) await page.getByTestId("push-enable").click();
  await failed.or(on).first().waitFor({ timeout: 25_000 });
  await shot(page, "47-enable-notifications");
  if (await on.count()) {
    const subs = await api(t, token, "GET", "/alerts/push/subscriptions");
    if (subs.items.length !== 1) throw new Error(`${subs.items.length} subscriptions stored`);
    return `${first}; granted: subscribed, the server holds 1 subscription (${subs.items[0].endpoint_origin})`;
  }
  return `${first}; granted: ${(await failed.textContent()).trim()}`;
}
