#!/usr/bin/env node
// End-to-end walk of the web app against a real backend and headless Chromium.
// Starts `glucolens serve` on a free port with a fresh SQLite database, serves frontend/out,
// and drives /usr/bin/chromium through playwright-core. Screenshots and perf.json go to
// e2e/artifacts/. Exits non-zero on any failed step or when a perf budget is exceeded.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import {
  compareDashboard,
  currentReading,
  dashboardAfterImport,
  dataPagesOnPhone,
  deleteAccount,
  exportZip,
  importClarity,
  formatGlucose,
  importedHistory,
  phoneAndDark,
  refreshReplay,
  removeDemo,
  threeTabsReload,
  weekTrace,
  variabilityCard,
  analyticsPagesOnPhone,
} from "./flows.mjs";
import { appleHealthStatus, integrationsOnPhone, nightscoutToken } from "./nightscout.mjs";
import {
  alertHistory,
  alertPagesOnPhone,
  enableNotifications,
  liveTile,
  lowAlert,
  reconnectAfterRestart,
  serviceWorker,
  testNotification,
} from "./alerts.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const frontend = resolve(here, "..");
const repo = resolve(frontend, "..");
const outDir = join(frontend, "out");
const artifacts = join(here, "artifacts");
const venvBin = process.env.GLUCOLENS_VENV_BIN ?? join(repo, ".venv", "bin");
const glucolens = join(venvBin, "glucolens");
const chromePath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const BUDGET_JS_GZIP_BYTES = 250 * 1024;
const BUDGET_RENDER_MS = 1000;
const STEP_TIMEOUT = 30_000;
const INSIGHT_TIMEOUT = 300_000;
// A short refresh grace window so the e2e can wait it out (the default is 10 s).
const REFRESH_GRACE_S = 2;

const results = [];
let server = null;
let context = null;
let work = null;
let baseUrl = "";
let restartBackend = null;

function log(...args) {
  console.log("[e2e]", ...args);
}

async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function waitForHealth(url, ms) {
  const deadline = Date.now() + ms;
  let last = "";
  while (Date.now() < deadline) {
    if (server?.exitCode !== null && server?.exitCode !== undefined) throw new Error(`backend exited with ${server.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return await res.json();
      last = `HTTP ${res.status}`;
    } catch (e) {
      last = e.message;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`backend not healthy after ${ms} ms: ${last}`);
}

/**
 * A few days of 5-minute readings ending `endDaysAgo` days ago (an export imported later: the
 * dashboard must still show it), plus two bad rows to exercise the rejection report.
 */
function makeCsv(days = 3, endDaysAgo = 2) {
  const rows = ["timestamp,value,unit"];
  // Ends at 12:00 UTC `endDaysAgo` days back (1.5 to 2.5 days ago), not at this time of day, so the
  // newest local day holds half a day of readings whenever the walk runs (just after midnight in
  // Berlin it held one reading, and the 24-hour chart of that day drew no line).
  const end = Math.floor((Date.now() - endDaysAgo * 86400000) / 86400000) * 86400000 + 12 * 3600000;
  const n = days * 288;
  for (let i = n - 1; i >= 0; i--) {
    const t = new Date(end - i * 300000);
    const hour = t.getUTCHours() + t.getUTCMinutes() / 60;
    const v = Math.round(130 + 45 * Math.sin(((hour - 8) / 24) * 2 * Math.PI) + 20 * Math.sin(i / 7));
    rows.push(`${t.toISOString().replace(".000Z", "Z")},${v},mg/dL`);
  }
  rows.push("not-a-time,120,mg/dL");
  rows.push(`${new Date(end - 86400000 * 10).toISOString()},abc,mg/dL`);
  return { text: rows.join("\n") + "\n", good: n, bad: 2 };
}

async function apiLogin(email, password) {
  const res = await fetch(`${baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password, device: "e2e-runner" }),
  });
  if (!res.ok) throw new Error(`API login failed: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

async function apiGet(token, path) {
  const res = await fetch(`${baseUrl}/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

function shotPath(name) {
  return join(artifacts, `${name}.png`);
}

async function shot(page, name) {
  await page.screenshot({ path: shotPath(name), fullPage: true });
}

/** Run one named step. A failing step stops the walk unless `soft` (later steps can still run). */
async function step(name, fn, { soft = false } = {}) {
  const t0 = Date.now();
  try {
    const detail = await fn();
    results.push({ name, ok: true, ms: Date.now() - t0 });
    log(`PASS ${name} (${Date.now() - t0} ms)${detail ? ` — ${detail}` : ""}`);
    return detail;
  } catch (e) {
    results.push({ name, ok: false, ms: Date.now() - t0, error: e.message });
    log(`FAIL ${name}: ${e.stack ?? e.message}`);
    if (soft) {
      try {
        const p = context?.pages()[0];
        if (p) await p.screenshot({ path: join(artifacts, `failure-${name.replace(/[^a-z0-9]+/gi, "-")}.png`), fullPage: true });
      } catch {
        /* best effort */
      }
      return undefined;
    }
    throw e;
  }
}

async function text(page, testId) {
  return (await page.getByTestId(testId).first().textContent({ timeout: STEP_TIMEOUT }))?.trim();
}

/** Wait for one of several selectors; returns the index of the first that appears. */
async function waitForAny(page, selectors, timeout) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (let i = 0; i < selectors.length; i++) {
      if ((await page.locator(selectors[i]).count()) > 0 && (await page.locator(selectors[i]).first().isVisible())) return i;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`none of ${selectors.join(" | ")} appeared within ${timeout} ms`);
}

async function gotoApp(page, path) {
  await page.goto(`${baseUrl}${path}`, { waitUntil: "domcontentloaded" });
}

async function measureDashboard(page) {
  await gotoApp(page, "/dashboard/");
  await page.waitForFunction(() => performance.getEntriesByName("dashboard-rendered").length > 0, null, { timeout: STEP_TIMEOUT });
  const perf = await page.evaluate(() => {
    const mark = performance.getEntriesByName("dashboard-rendered")[0];
    const nav = performance.getEntriesByType("navigation")[0];
    const scripts = performance
      .getEntriesByType("resource")
      .filter((e) => e.initiatorType === "script" || /\.js(\?|$)/.test(e.name))
      .map((e) => e.name);
    return { renderMs: mark.startTime - (nav?.startTime ?? 0), scripts: [...new Set(scripts)] };
  });
  let gzip = 0;
  let raw = 0;
  const files = [];
  for (const url of perf.scripts) {
    const res = await fetch(url);
    const body = Buffer.from(await res.arrayBuffer());
    const gz = gzipSync(body).length;
    raw += body.length;
    gzip += gz;
    files.push({ url: url.replace(baseUrl, ""), bytes: body.length, gzip: gz });
  }
  return { renderMs: perf.renderMs, gzip, raw, files };
}

/** Issue 14, with an account of its own: live tile, a low alert in mmol/L, its history, a test notification. */
async function alertWalk(t, password) {
  const email = `e2e-alerts-${Date.now()}@example.org`;
  let creds;
  await step("alerts: the dashboard's tile shows readings posted with an API key live, without a reload", async () => {
    creds = await liveTile(t, email, password);
    return creds.detail;
  });
  await step("alerts: the tile reconnects after a backend restart and shows the next reading (the restarted hub numbers anew)", () =>
    reconnectAfterRestart(t, creds.apiKey),
  );
  await step("alerts: a low threshold set in mmol/L raises a toast and the bell's count for a low reading", () =>
    lowAlert(t, creds.token, creds.apiKey),
  );
  await step("alerts: the bell opens the history; mark read empties the bell", () => alertHistory(t));
  await step("alerts: a test notification reports each channel's outcome", () => testNotification(t), { soft: true });
  await step("alerts: the service worker registers under the app's CSP (sw.js served as JavaScript, scope /)", () => serviceWorker(t), {
    soft: true,
  });
  await step("alerts: history and settings → alerts fit a 390 px phone (dark theme)", () => alertPagesOnPhone(t, creds.token), {
    soft: true,
  });
  await step("alerts: Enable notifications ends in words: refused, subscribed, or why not", () => enableNotifications(t, creds.token), {
    soft: true,
  });
}

async function main() {
  mkdirSync(artifacts, { recursive: true });
  if (!existsSync(glucolens)) throw new Error(`backend CLI not found at ${glucolens}; install the backend into ${venvBin}`);
  if (!existsSync(chromePath)) throw new Error(`Chromium not found at ${chromePath} (apt-get install -y chromium)`);
  if (!existsSync(join(outDir, "index.html"))) {
    log("frontend/out missing: running npm run build");
    const b = spawnSync("npm", ["run", "build"], { cwd: frontend, stdio: "inherit" });
    if (b.status !== 0) throw new Error("npm run build failed");
  }

  work = mkdtempSync(join(tmpdir(), "glucolens-e2e-"));
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    GLUCOLENS_DATABASE_URL: `sqlite:///${join(work, "e2e.db")}`,
    GLUCOLENS_STATIC_DIR: outDir,
    GLUCOLENS_DATA_DIR: work,
    GLUCOLENS_REFRESH_GRACE_S: String(REFRESH_GRACE_S),
  };

  await step("backend: db upgrade", async () => {
    const r = spawnSync(glucolens, ["db", "upgrade"], { env, encoding: "utf8", timeout: 120_000 });
    if (r.status !== 0) throw new Error(`db upgrade failed (${r.status}): ${r.stderr || r.stdout}`);
  });

  const serverLog = join(artifacts, "backend.log");
  const logStream = createWriteStream(serverLog);
  const startServer = async () => {
    server = spawn(glucolens, ["serve", "--host", "127.0.0.1", "--port", String(port)], { env, detached: true });
    server.stdout.pipe(logStream, { end: false });
    server.stderr.pipe(logStream, { end: false });
    return waitForHealth(`${baseUrl}/healthz`, 60_000);
  };
  await step("backend: serve and /healthz", async () => JSON.stringify(await startServer()));
  /** Stop the backend and start it again on the same port and database (the issue-14 reconnect walk). */
  restartBackend = async (whileDown = async () => {}) => {
    const old = server;
    const exited = new Promise((r) => old.once("exit", r));
    process.kill(-old.pid, "SIGTERM");
    await exited;
    await whileDown();
    await startServer();
  };

  const userDataDir = join(work, "chromium-profile");
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
    viewport: { width: 1280, height: 900 },
    timezoneId: "Europe/Berlin",
    locale: "en-GB",
  });
  context.setDefaultTimeout(STEP_TIMEOUT);
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(e.message));
  // A blocked inline script or a malformed policy shows up only as a console message.
  const policyViolations = [];
  page.on("console", (msg) => {
    if (/Content Security Policy|Permissions-Policy/i.test(msg.text())) policyViolations.push(msg.text());
  });

  const email = `e2e-${Date.now()}@example.org`;
  const password = "correct-horse-battery-staple-42";
  if (process.env.E2E_ONLY === "alerts") {
    // Development shortcut: only issue 14's walk (make test-e2e always runs everything).
    await alertWalk({ page, context, baseUrl, step, shot, shotPath, text, gotoApp, apiGet, log, restartBackend }, password);
    return;
  }

  await step("register", async () => {
    await gotoApp(page, "/register/");
    await shot(page, "01-register");
    await page.getByLabel("Name (optional)").fill("E2E Tester");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard\/?$/);
  });

  await step("log in", async () => {
    await gotoApp(page, "/login/");
    await shot(page, "02-login");
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard\/?$/);
    await page.getByTestId("load-demo").waitFor();
    await shot(page, "03-dashboard-empty");
    const icon = await page.locator('link[rel="icon"]').first().getAttribute("href");
    const res = await fetch(new URL(icon, baseUrl));
    if (!res.ok || !/^image\//.test(res.headers.get("content-type") ?? ""))
      throw new Error(`favicon ${icon}: ${res.status} ${res.headers.get("content-type")}`);
    return `empty state offers demo data; favicon ${icon.replace(/\?.*$/, "")}`;
  });

  await step("session survives a reload (refresh cookie)", async () => {
    await page.reload({ waitUntil: "domcontentloaded" });
    await page.getByTestId("load-demo").waitFor();
    if (!/\/dashboard\/?$/.test(page.url())) throw new Error(`reload left the dashboard: ${page.url()}`);
  });

  const t = { page, context, baseUrl, step, shot, shotPath, text, gotoApp, apiGet, log, restartBackend };
  await step("three tabs reloading at once all stay signed in", () => threeTabsReload(t));
  await step("refresh replay: same successor within the grace window, revoked after it", () =>
    refreshReplay(t, email, password, REFRESH_GRACE_S),
  );

  const csv = makeCsv(3);
  await step("upload CSV and see the report", async () => {
    const csvPath = join(work, "readings.csv");
    writeFileSync(csvPath, csv.text);
    await gotoApp(page, "/data/glucose/");
    await page.getByLabel("CSV file").setInputFiles(csvPath);
    await page.getByRole("button", { name: "Upload CSV" }).click();
    await page.getByTestId("import-report").waitFor({ timeout: 60_000 });
    const inserted = Number((await text(page, "report-inserted")).replace(/,/g, ""));
    const rejected = Number((await text(page, "report-rejected")).replace(/,/g, ""));
    await shot(page, "04-glucose-import");
    if (inserted !== csv.good) throw new Error(`inserted ${inserted}, expected ${csv.good}`);
    if (rejected !== csv.bad) throw new Error(`rejected ${rejected}, expected ${csv.bad}`);
    return `inserted ${inserted}, rejected ${rejected}`;
  });

  const apiToken = await apiLogin(email, password);

  let mgdl;
  await step("imported history older than a day is shown, with a note (CSV data)", async () => {
    const detail = await importedHistory(t, apiToken);
    await gotoApp(page, "/dashboard/");
    mgdl = await compareDashboard(t, apiToken, "csv");
    return detail;
  });

  await step("load demo data (asks first: the account has readings of its own)", async () => {
    await gotoApp(page, "/data/glucose/");
    await page.getByTestId("load-demo").click();
    await page.getByTestId("demo-confirm").waitFor({ timeout: 60_000 });
    await shot(page, "05c-demo-confirm");
    await page.getByTestId("demo-confirm-load").click();
    const idx = await waitForAny(page, ['[data-testid="demo-loaded"]', 'main [role="alert"]'], 180_000);
    if (idx === 1) throw new Error(`demo load failed: ${await page.locator('main [role="alert"]').first().textContent()}`);
    return await text(page, "demo-loaded");
  });

  await step("dashboard numbers equal the API's (demo data)", async () => {
    await gotoApp(page, "/dashboard/");
    mgdl = await compareDashboard(t, apiToken, "demo");
    if (mgdl.end) throw new Error(`demo data is current, but the dashboard opened on ${mgdl.end}`);
    await shot(page, "06-dashboard-demo");
  });

  await step("dashboard: the variability card shows the API's MAGE with its meaning (demo data)", () => variabilityCard(t, apiToken, mgdl));
  await step("current reading tile: latest value, trend, change and age", () => currentReading(t, apiToken));
  await step("7-day trace is one line (downsampled buckets are not gaps)", () => weekTrace(t, apiToken));

  let perf;
  await step("perf: dashboard JS and render time (90 days demo)", async () => {
    // One warm-up load, then three measured loads; report the median render time.
    await measureDashboard(page);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await measureDashboard(page));
    const sorted = [...runs].sort((a, b) => a.renderMs - b.renderMs);
    const median = sorted[1];
    perf = {
      dashboard_first_load_js_gzip_bytes: median.gzip,
      dashboard_first_load_js_gzip_kb: Math.round((median.gzip / 1024) * 10) / 10,
      dashboard_first_load_js_raw_bytes: median.raw,
      dashboard_render_ms_median: Math.round(median.renderMs),
      dashboard_render_ms_runs: runs.map((r) => Math.round(r.renderMs)),
      budget_js_gzip_kb: BUDGET_JS_GZIP_BYTES / 1024,
      budget_render_ms: BUDGET_RENDER_MS,
      js_files: median.files,
      measured_at: new Date().toISOString(),
      data: "90 days of demo data + 3 days CSV; headless Chromium; render = navigation start → performance.mark('dashboard-rendered')",
    };
    writeFileSync(join(artifacts, "perf.json"), JSON.stringify(perf, null, 2));
    return `JS ${perf.dashboard_first_load_js_gzip_kb} kB gzip, render ${perf.dashboard_render_ms_median} ms (runs ${perf.dashboard_render_ms_runs.join(", ")})`;
  });

  const insightPages = [
    { path: "/insights/correlations/", name: "07-correlations", ok: ['[data-testid="correlation-heatmap"]'] },
    { path: "/insights/patterns/", name: "08-patterns", ok: ['[data-testid="motif"]', "text=No recurring patterns found yet."] },
    { path: "/insights/causal-graph/", name: "09-causal-graph", ok: [".react-flow__edge", "text=No links were found"] },
    { path: "/insights/predictions/", name: "10-predictions", ok: ['[data-testid="forecast-chart"] svg'] },
    { path: "/insights/meals/", name: "10c-meal-responses", ok: ['[data-testid="ranked-meals"]', '[data-testid="meals-empty"]'] },
  ];
  for (const p of insightPages) {
    await step(
      `insights: ${p.path}`,
      async () => {
        await gotoApp(page, p.path);
        const idx = await waitForAny(page, [...p.ok, '[data-testid="insufficient-data"]', 'main [role="alert"]'], INSIGHT_TIMEOUT);
        if (idx === p.ok.length + 1) throw new Error(`error state: ${await page.locator('main [role="alert"]').first().textContent()}`);
        await page.waitForTimeout(400);
        await shot(page, p.name);
        if (idx === p.ok.length) return `insufficient data: ${(await page.getByTestId("insufficient-data").first().textContent())?.trim()}`;
        if (p.path.includes("causal")) {
          const edges = await page.locator(".react-flow__edge").count();
          await page.locator(".react-flow__edge").first().click({ force: true });
          await page.getByTestId("edge-panel").waitFor();
          if (!/[?&]edge=/.test(page.url())) throw new Error("edge selection is not in the URL");
          const tier = page.getByTestId("edge-panel").getByText(/^(Established|Tentative)$/);
          if ((await tier.count()) !== 1) throw new Error("edge panel shows no established/tentative tier");
          const tentative = await page.locator(".react-flow__edge-path[style*='stroke-dasharray']").count();
          await page.waitForTimeout(500);
          await shot(page, "09b-causal-edge-panel");
          await page.keyboard.press("Escape");
          const overlapping = await page.$$eval('[data-testid="edge-label"]', (els) => {
            const r = els.map((e) => e.getBoundingClientRect());
            let n = 0;
            for (let i = 0; i < r.length; i++)
              for (let j = i + 1; j < r.length; j++)
                if (r[i].left < r[j].right && r[j].left < r[i].right && r[i].top < r[j].bottom && r[j].top < r[i].bottom) n++;
            return n;
          });
          if (overlapping) throw new Error(`${overlapping} pairs of lag labels overlap`);
          return `${edges} edges rendered (${tentative} tentative, dashed); edge panel opens with its tier; no lag labels overlap`;
        }
        if (p.path.includes("predictions")) {
          return `banner: ${await text(page, "low-banner")}`;
        }
        if (p.path.includes("patterns")) {
          const novelty = page.getByTestId("latest-novelty");
          await novelty.waitFor({ timeout: INSIGHT_TIMEOUT });
          return `rendered; latest readings: ${(await novelty.textContent())?.trim()}`;
        }
        return "rendered";
      },
      { soft: true },
    );
  }

  await step("data pages render", async () => {
    for (const [path, name] of [
      ["/data/insulin/", "11a-insulin"],
      ["/data/sleep/", "11-sleep"],
      ["/data/meals/", "12-meals"],
      ["/data/activities/", "13-activities"],
    ]) {
      await gotoApp(page, path);
      await page.locator("table tbody tr").first().waitFor();
      await shot(page, name);
    }
  });

  await step("settings: integrations creates a key shown once", async () => {
    await gotoApp(page, "/settings/integrations/");
    await page.getByLabel("Name", { exact: true }).fill("e2e key");
    await page.getByRole("button", { name: "Create key" }).click();
    const key = await text(page, "new-api-key-text");
    if (!key?.startsWith("glk_")) throw new Error(`unexpected key ${key}`);
    await shot(page, "14-integrations");
  });

  await step("settings: alerts page lists every kind", async () => {
    await gotoApp(page, "/settings/alerts/");
    await page.getByTestId("kind-pattern").waitFor();
    const kinds = await page.locator('[data-testid="alert-kinds"] > form').count();
    if (kinds !== 9) throw new Error(`${kinds} alert kinds on the page`);
    await shot(page, "15-alerts");
  });

  await step("switch unit to mmol/L and see the dashboard convert", async () => {
    await gotoApp(page, "/settings/profile/");
    await page.getByTestId("unit-select").selectOption("mmol/L");
    await page.getByTestId("save-profile").click();
    await page.getByText("Profile saved.").waitFor();
    const device = await text(page, "session-device");
    if (!/ on Linux/.test(device)) throw new Error(`this session is listed as "${device}"`);
    await shot(page, "16-profile");
    await gotoApp(page, "/dashboard/");
    const mmol = await compareDashboard(t, apiToken, "mmol");
    if (mmol.unit !== "mmol/L") throw new Error(`API still answers in ${mmol.unit}`);
    const expected = mgdl.mean / 18.0182;
    if (Math.abs(mmol.mean - expected) > 0.1) throw new Error(`14-day mean ${mmol.mean} mmol/L vs ${expected.toFixed(2)} converted`);
    await shot(page, "17-dashboard-mmol");
    return `14-day mean ${formatGlucose(mmol.mean, "mmol/L")} mmol/L; this session: ${device}`;
  });

  await step("phone (390 px): menu sheet, TIR above the fold; dark theme at 390 and 1280 px", () => phoneAndDark(t), { soft: true });
  await step("meal responses and experiments fit a 390 px phone (dark theme, demo data)", () => analyticsPagesOnPhone(t), {
    soft: true,
  });
  await step("settings: remove demo data after seeing its counts", () => removeDemo(t, apiToken), { soft: true });

  await step("log out; /dashboard redirects to /login", async () => {
    await page.getByRole("button", { name: /Account menu/ }).click();
    await page.getByTestId("logout").click();
    await page.waitForURL(/\/login\/?(\?.*)?$/);
    await gotoApp(page, "/dashboard/");
    await page.waitForURL(/\/login\/?(\?.*)?$/);
    await shot(page, "18-logged-out");
  });

  // Issue 12, with an account of its own: its only data is the imported file.
  const email2 = `e2e-import-${Date.now()}@example.org`;
  await step("register a second account (for the import walk)", async () => {
    await gotoApp(page, "/register/");
    await page.getByLabel("Email").fill(email2);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard\/?$/);
    await page.getByTestId("dashboard-empty").waitFor();
  });
  await step("import: a Dexcom Clarity CSV through the import page (preview, confirm, summary)", () =>
    importClarity(t, join(here, "fixtures", "clarity-small.csv")),
  );
  const importToken = await apiLogin(email2, password);
  await step("dashboard shows the imported readings", () => dashboardAfterImport(t, importToken), { soft: true });
  await step("settings: export everything as a ZIP download", () => exportZip(t), { soft: true });
  await step("import page and settings → your data fit a 390 px phone (dark theme)", () => dataPagesOnPhone(t), { soft: true });
  await step("settings → integrations: a Nightscout token made on the page uploads and reads entries, then 401 once revoked", () =>
    nightscoutToken(t),
  );
  await step("settings → integrations: Apple Health says no iPhone synced yet, keeps a type toggle, then shows a synced batch", () =>
    appleHealthStatus(t, importToken),
  );
  await step("settings → integrations fits a 390 px phone (dark theme)", () => integrationsOnPhone(t), { soft: true });
  await step("settings: delete the account (password, then /login)", () => deleteAccount(t, email2, password));
  await alertWalk(t, password);

  if (consoleErrors.length) log(`page errors seen: ${consoleErrors.slice(0, 5).join(" | ")}`);

  await step("no CSP or Permissions-Policy violations in the console", async () => {
    if (policyViolations.length) {
      throw new Error(`${policyViolations.length} seen: ${policyViolations.slice(0, 3).join(" | ")}`);
    }
  });

  console.log(
    "\n[e2e] perf:",
    JSON.stringify({
      dashboard_first_load_js_gzip_kb: perf.dashboard_first_load_js_gzip_kb,
      dashboard_render_ms_median: perf.dashboard_render_ms_median,
      dashboard_render_ms_runs: perf.dashboard_render_ms_runs,
    }),
  );
  await step("perf budgets", async () => {
    const over = [];
    if (perf.dashboard_first_load_js_gzip_bytes > BUDGET_JS_GZIP_BYTES) over.push(`JS ${perf.dashboard_first_load_js_gzip_kb} kB > 250 kB`);
    if (perf.dashboard_render_ms_median > BUDGET_RENDER_MS)
      over.push(`render ${perf.dashboard_render_ms_median} ms > ${BUDGET_RENDER_MS} ms`);
    if (over.length) throw new Error(over.join("; "));
  });
}

async function cleanup() {
  try {
    await context?.close();
  } catch {
    /* already closed */
  }
  if (server && server.exitCode === null) {
    try {
      process.kill(-server.pid, "SIGTERM");
    } catch {
      /* gone */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  if (work && !process.env.E2E_KEEP) rmSync(work, { recursive: true, force: true });
}

let failed = false;
try {
  await main();
} catch (e) {
  failed = true;
  if (!results.some((r) => !r.ok)) {
    results.push({ name: "setup", ok: false, error: e.message });
    log(`FAIL setup: ${e.message}`);
  }
  try {
    const p = context?.pages()[0];
    if (p) await p.screenshot({ path: join(artifacts, "failure.png"), fullPage: true });
  } catch {
    /* best effort */
  }
  const logPath = join(artifacts, "backend.log");
  if (existsSync(logPath)) {
    const tail = readFileSync(logPath, "utf8").split("\n").slice(-30).join("\n");
    log(`backend log tail:\n${tail}`);
  }
} finally {
  await cleanup();
}
const passed = results.filter((r) => r.ok).length;
const failedCount = results.filter((r) => !r.ok).length;
console.log(`\n${passed} passed, ${failedCount} failed`);
process.exit(failed || failedCount ? 1 : 0);
