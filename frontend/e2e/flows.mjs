// Walks for issue 10: tabs sharing one session, imported history, the current reading, the
// week trace, phones and the dark theme, and removing demo data; for issue 12: importing a
// Dexcom Clarity export through the import page, the ZIP export and deleting the account.
// run.mjs calls these with `t`, its toolkit: { page, context, baseUrl, step, shot, text, gotoApp, apiGet, log }.

import { readFileSync } from "node:fs";

const DAY_MS = 86_400_000;

export function formatGlucose(v, unit) {
  if (v === null || v === undefined) return "—";
  return unit === "mmol/L" ? v.toFixed(1) : String(Math.round(v));
}

function pct(v, digits = 0) {
  return v === null || v === undefined ? "—" : `${v.toFixed(digits)}%`;
}

function expectEqual(actual, expected, what) {
  if (actual !== expected) throw new Error(`${what}: page shows "${actual}", API says "${expected}"`);
}

/** The period the dashboard opens on: today, or the newest reading's day when that is over a day old. */
export function defaultEnd(range) {
  const last = range.last_reading_at ? Date.parse(range.last_reading_at) : NaN;
  return Number.isFinite(last) && Date.now() - last > DAY_MS ? range.last_day : null;
}

/** The dashboard's metrics for its current period equal GET /dashboard/summary for the same days and end. */
export async function compareDashboard(t, token, label, days = 14) {
  const { page, text } = t;
  await page.getByTestId("stat-gmi").waitFor();
  const range = await t.apiGet(token, "/dashboard/data-range");
  const end = defaultEnd(range);
  const s = await t.apiGet(token, `/dashboard/summary?days=${days}${end ? `&end=${end}` : ""}`);
  const w = s.windows[0];
  expectEqual((await text(page, "stat-mean")).split(" ")[0], formatGlucose(w.mean, s.unit), `${label} mean ${days}d`);
  expectEqual(await text(page, "stat-gmi"), pct(w.gmi_pct, 1), `${label} GMI ${days}d`);
  expectEqual(await text(page, "stat-tir"), pct(w.bands.in_range_pct), `${label} TIR ${days}d`);
  expectEqual(await text(page, "stat-cv"), pct(w.cv_pct, 1), `${label} CV ${days}d`);
  await page.locator('[data-testid="series-line"]').first().waitFor();
  await page.locator('[data-testid="agp-median"]').first().waitFor();
  return { unit: s.unit, mean: w.mean, end, range };
}

/** Item 1: three tabs reloading at once (a browser restoring its tabs) all stay signed in. */
export async function threeTabsReload(t) {
  const { context, page, gotoApp, shot } = t;
  const refreshes = [];
  const onResponse = (res) => {
    if (res.url().endsWith("/api/v1/auth/refresh")) refreshes.push(res.status());
  };
  context.on("response", onResponse);
  const tabs = [page, await context.newPage(), await context.newPage()];
  try {
    for (const tab of tabs.slice(1)) await gotoApp(tab, "/dashboard/");
    await Promise.all(tabs.map((tab) => tab.getByTestId("dashboard-empty").waitFor()));
    refreshes.length = 0;
    await Promise.all(tabs.map((tab) => tab.reload({ waitUntil: "domcontentloaded" })));
    await Promise.all(tabs.map((tab) => tab.getByTestId("dashboard-empty").waitFor()));
    for (const [i, tab] of tabs.entries()) {
      if (!/\/dashboard\/?$/.test(tab.url())) throw new Error(`tab ${i + 1} left the dashboard: ${tab.url()}`);
      await shot(tab, `01b-three-tabs-tab${i + 1}`);
    }
    const afterReload = [...refreshes];
    // The session survived: another reload still gets a token.
    await tabs[1].reload({ waitUntil: "domcontentloaded" });
    await tabs[1].getByTestId("dashboard-empty").waitFor();
    if (refreshes.some((s) => s !== 200)) throw new Error(`refresh answers ${refreshes.join(", ")}`);
    // With the Web Lock the tabs refresh one after another (each with the newest cookie) or
    // take a token another tab shared; either way no refresh is refused.
    return `${afterReload.length} refresh request(s) for 3 tabs, answers ${afterReload.join(", ") || "none"}; all 3 tabs still signed in`;
  } finally {
    context.off("response", onResponse);
    for (const tab of tabs.slice(1)) await tab.close();
  }
}

/** Item 1, server side: within the grace window a replay gets the same successor; after it, reuse revokes. */
export async function refreshReplay(t, email, password, graceS) {
  const post = async (path, body) => {
    const res = await fetch(`${t.baseUrl}/api/v1${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: res.ok ? await res.json() : null };
  };
  const login = await post("/auth/login", { email, password, device: "e2e-replay" });
  const r0 = login.body.refresh_token;
  const first = await post("/auth/refresh", { refresh_token: r0 });
  const again = await post("/auth/refresh", { refresh_token: r0 });
  if (first.status !== 200 || again.status !== 200) throw new Error(`refresh ${first.status}, replay within the window ${again.status}`);
  if (again.body.refresh_token !== first.body.refresh_token) throw new Error("a replay within the window got a different successor");
  await new Promise((r) => setTimeout(r, (graceS + 1) * 1000));
  const late = await post("/auth/refresh", { refresh_token: r0 });
  const successor = await post("/auth/refresh", { refresh_token: first.body.refresh_token });
  if (late.status !== 401) throw new Error(`replay after the window answered ${late.status}, expected 401`);
  if (successor.status !== 401) throw new Error(`the session survived a replay after the window (${successor.status})`);
  return `within ${graceS} s: same successor; after: 401 and the session is revoked`;
}

/** Item 3: history that ends more than a day ago is shown, with a note, and the period can move. */
export async function importedHistory(t, token) {
  const { page, gotoApp, shot, text } = t;
  await gotoApp(page, "/dashboard/");
  await page.getByTestId("period-anchored").waitFor();
  const cmp = await compareDashboard(t, token, "imported");
  if (!cmp.end) throw new Error("expected the newest reading to be more than a day old");
  const note = await text(page, "period-anchored");
  await shot(page, "05-dashboard-imported-history");
  // A preset keeps the end day; a single day steps back to the day before, which has data too.
  await page.getByLabel("Period length").getByRole("radio", { name: "7 days" }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="period-label"]')?.textContent?.startsWith("7 days"));
  await compareDashboard(t, token, "imported 7d", 7);
  await page.getByLabel("Period length").getByRole("radio", { name: "1 day" }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="period-label"]')?.textContent?.startsWith("1 day"));
  // One day is a server summary too (days=1), so the figures match the API exactly.
  await compareDashboard(t, token, "imported 1d", 1);
  const lastDay = await text(page, "period-label");
  await page.getByRole("button", { name: "Previous period" }).click();
  await page.waitForFunction((was) => document.querySelector('[data-testid="period-label"]')?.textContent !== was, lastDay);
  await page.getByTestId("stat-tir").waitFor();
  const tir = await text(page, "stat-tir");
  if (tir === "—" || (await page.getByText("No glucose readings yet").count()) !== 0)
    throw new Error(`the day before shows no data (TIR ${tir})`);
  const label = await text(page, "period-label");
  await shot(page, "05b-dashboard-previous-day");
  return `${note} · then ${lastDay} → previous: ${label}, TIR ${tir}`;
}

/** Item 11: the current reading tile shows the API's latest reading, its trend and its age; no average cards. */
export async function currentReading(t, token) {
  const { page, gotoApp, shot, text } = t;
  await gotoApp(page, "/dashboard/");
  const tile = page.getByTestId("current-reading");
  await tile.getByTestId("current-value").waitFor();
  const me = await t.apiGet(token, "/auth/me");
  const { items } = await t.apiGet(token, "/glucose?limit=2");
  const [latest, previous] = items;
  const v = me.unit === "mmol/L" ? latest.value_mgdl / 18.0182 : latest.value_mgdl;
  expectEqual(await text(page, "current-value"), formatGlucose(v, me.unit), "current value");
  if (latest.trend && (await tile.getByTestId("current-trend").count()) !== 1) throw new Error(`no arrow for trend ${latest.trend}`);
  const age = await text(page, "current-age");
  if (!/ago|just now/.test(age)) throw new Error(`age reads "${age}"`);
  if ((await page.getByText("Average glucose").count()) !== 0) throw new Error("the average glucose cards are back");
  const caption = await text(page, "tir-legend-caption");
  await shot(page, "06b-dashboard-current-reading");
  return `${await text(page, "current-value")} ${me.unit} ${latest.trend ?? ""}, change vs ${formatGlucose(previous?.value_mgdl, "mg/dL")} mg/dL, ${age}; legend: "${caption}"`;
}

/** Item 7: the 7-day trace (downsampled into ~20-minute buckets) is one line, broken only at real gaps. */
export async function weekTrace(t, token) {
  const { page, gotoApp, shot } = t;
  await gotoApp(page, "/dashboard/");
  await page.getByTestId("stat-gmi").waitFor();
  await page.getByLabel("Time span").getByRole("radio", { name: "7 days" }).click();
  await page.waitForFunction(() => {
    const d = document.querySelector('[data-testid="series-line"]')?.getAttribute("d") ?? "";
    return (d.match(/L/g) ?? []).length > 300;
  });
  const d = await page.locator('[data-testid="series-line"]').getAttribute("d");
  const moves = (d.match(/M/g) ?? []).length;
  const end = new Date();
  const start = new Date(end.getTime() - 7 * DAY_MS);
  const s = await t.apiGet(token, `/glucose/series?start=${start.toISOString()}&end=${end.toISOString()}&points=500`);
  const ts = s.points.map((p) => Date.parse(p.t));
  const realGaps = ts.slice(1).filter((x, i) => x - ts[i] > Math.max(20 * 60000, 1.5 * s.bucket_s * 1000)).length;
  if (!s.downsampled) throw new Error("expected the 7-day series to be downsampled");
  if (moves > realGaps + 2) throw new Error(`line broken into ${moves} pieces; the data has ${realGaps} real gaps`);
  await shot(page, "06c-dashboard-week-trace");
  return `${s.points.length} points, bucket ${s.bucket_s} s: ${moves} line piece(s), ${realGaps} real gap(s)`;
}

/** Item 13 and the dark theme: a menu sheet below 768 px, TIR above the fold, both themes at 390 and 1280 px. */
export async function phoneAndDark(t) {
  const { context, page, gotoApp, shot } = t;
  const phone = await context.newPage();
  try {
    await phone.setViewportSize({ width: 390, height: 844 });
    await gotoApp(phone, "/dashboard/");
    await phone.getByTestId("stat-tir").waitFor();
    if (await phone.getByTestId("nav-sidebar").isVisible()) throw new Error("the sidebar shows at 390 px");
    const bar = await phone.locator('[data-testid="tir-card"] [role="img"]').first().boundingBox();
    if (!bar || bar.y + bar.height > 844)
      throw new Error(`TIR bar ends at ${bar ? Math.round(bar.y + bar.height) : "?"} px, below the 844 px fold`);
    await phone.waitForTimeout(300);
    await phone.screenshot({ path: t.shotPath("20-phone-dashboard-light") });
    await phone.getByTestId("nav-open").click();
    await phone.getByTestId("nav-sheet").waitFor();
    await phone.waitForTimeout(300);
    await phone.screenshot({ path: t.shotPath("21-phone-menu-sheet") });
    await phone.getByTestId("nav-sheet").getByRole("link", { name: "Insulin" }).click();
    await phone.waitForURL(/\/data\/insulin\/?$/);

    await phone.emulateMedia({ colorScheme: "dark" });
    await gotoApp(phone, "/dashboard/");
    await phone.getByTestId("stat-tir").waitFor();
    const bg = await phone.evaluate(() => getComputedStyle(document.body).backgroundColor);
    if (bg !== "rgb(2, 6, 23)") throw new Error(`dark theme page background is ${bg}`);
    await phone.waitForTimeout(300);
    await phone.screenshot({ path: t.shotPath("22-phone-dashboard-dark") });
    await shot(phone, "22b-phone-dashboard-dark-full");

    await page.emulateMedia({ colorScheme: "dark" });
    for (const [path, name] of [
      ["/dashboard/", "23-desktop-dashboard-dark"],
      ["/insights/predictions/", "24-desktop-predictions-dark"],
      ["/insights/correlations/", "25-desktop-correlations-dark"],
      ["/data/glucose/", "26-desktop-glucose-dark"],
    ]) {
      await gotoApp(page, path);
      const ready = ["stat-tir", "correlation-heatmap", "readings-table", "insufficient-data"].map((id) => `[data-testid="${id}"]`);
      await page
        .locator([...ready, '[data-testid="forecast-chart"] svg'].join(", "))
        .first()
        .waitFor({ timeout: 60_000 });
      await page.waitForTimeout(400);
      await shot(page, name);
    }
    return `TIR bar bottom at ${Math.round(bar.y + bar.height)} px of 844; menu sheet navigates; dark background ${bg}`;
  } finally {
    await page.emulateMedia({ colorScheme: "light" });
    await phone.close();
  }
}

/** Item 4: "delete all data from a source" shows the counts, then removes exactly the demo rows. */
export async function removeDemo(t, token) {
  const { page, gotoApp, shot, text } = t;
  const before = await t.apiGet(token, "/data/sources");
  const demo = before.sources.find((s) => s.source === "demo");
  if (!demo) throw new Error("no demo source to remove");
  await gotoApp(page, "/settings/data/");
  await page.getByTestId("source-demo").waitFor();
  await shot(page, "19-settings-data");
  await page.getByTestId("delete-source-demo").click();
  const counts = await text(page, "delete-source-counts");
  if (!counts.includes(`${demo.counts.glucose.toLocaleString("en")} glucose readings`)) throw new Error(`dialog says "${counts}"`);
  await shot(page, "19b-delete-demo-dialog");
  await page.getByTestId("delete-source-confirm").click();
  await page.getByTestId("source-deleted").waitFor();
  const after = await t.apiGet(token, "/data/sources");
  if (after.sources.some((s) => s.source === "demo")) throw new Error("demo rows are still there");
  const others = before.sources.filter((s) => s.source !== "demo");
  for (const s of others) {
    const kept = after.sources.find((a) => a.source === s.source);
    if (!kept || kept.counts.glucose !== s.counts.glucose) throw new Error(`source ${s.source} lost rows`);
  }
  return `dialog: "${counts}"; demo gone, ${others.map((s) => `${s.source} ${s.counts.glucose}`).join(", ")} glucose kept`;
}

/**
 * Issue 12: e2e/fixtures/clarity-small.csv through the import page. The file is shaped like a real
 * Clarity export (the shape the backend's tests/integrations/importers/test_clarity.py cites:
 * github.com/namebrandon/blood_glucose_with_tft data_prep/data/Clarity_Export_2023-11-14_133501.csv
 * and github.com/thetahealth/mirobody-gen docs/DEVICE_FORMATS.md): UTF-8 with BOM, CRLF, every
 * field quoted, the FirstName/LastName/Device/Alert preamble, then 288 EGV rows 5 min apart in
 * local time on 2 Jun 2024, one of them ("abc", line 107) not a number.
 */
export const CLARITY = { inserted: 287, rejected: 1, rejectedLine: 107 };

export async function importClarity(t, fixture) {
  const { page, gotoApp, shot, text } = t;
  await gotoApp(page, "/dashboard/");
  await page.getByTestId("empty-import").click();
  await page.waitForURL(/\/data\/import\/?$/);
  await page.getByTestId("imports-empty").waitFor();
  await page.getByTestId("import-file").setInputFiles(fixture);
  await page.getByTestId("import-upload-button").click();
  const sentence = await text(page, "import-preview-sentence");
  const expected = `Import ${CLARITY.inserted} Dexcom G6 readings on 2 Jun 2024, times in Europe/Berlin?`;
  if (sentence !== expected) throw new Error(`preview asks "${sentence}", expected "${expected}"`);
  if (!/[?&]job=/.test(page.url())) throw new Error(`the job is not in the URL: ${page.url()}`);
  if ((await page.getByTestId("import-timezone").inputValue()) !== "Europe/Berlin")
    throw new Error("the zone select is not on the zone used");
  await shot(page, "30-import-preview");
  // The progress view shows while the job is queued or running; a small file may finish first.
  const seen = [];
  const watch = setInterval(() => {
    page
      .getByTestId("import-progress")
      .count()
      .then((n) => n && seen.push(1))
      .catch(() => undefined);
  }, 50);
  await page.getByTestId("import-confirm").click();
  try {
    await page.getByTestId("import-summary").waitFor({ timeout: 60_000 });
  } finally {
    clearInterval(watch);
  }
  const inserted = Number((await text(page, "import-inserted")).replace(/\D/g, ""));
  const rejected = Number((await text(page, "import-rejected-total")).replace(/\D/g, ""));
  if (inserted !== CLARITY.inserted || rejected !== CLARITY.rejected) throw new Error(`summary: ${inserted} added, ${rejected} rejected`);
  await page.getByTestId("import-rejected").locator("summary").click();
  const row = page.getByTestId("import-rejected").locator("tbody tr").first();
  if (!(await row.textContent()).startsWith(String(CLARITY.rejectedLine)))
    throw new Error(`first rejected row: ${await row.textContent()}`);
  await shot(page, "31-import-summary");
  // Coming back: the job is in the URL, so a reload shows the same summary; the list has it.
  await page.reload({ waitUntil: "domcontentloaded" });
  await page.getByTestId("import-summary").waitFor();
  // The list is its own query: it may arrive after the summary (count() does not wait).
  await page.getByTestId("import-row").first().waitFor();
  const listed = await page.getByTestId("import-row").count();
  if (listed !== 1) throw new Error(`${listed} past imports listed`);
  return `"${sentence}"; ${seen.length ? "progress shown, then " : ""}${await text(page, "import-summary-sentence")}`;
}

/** After the import the dashboard opens on the imported day, and its newest reading is the file's last one. */
export async function dashboardAfterImport(t, token) {
  const { page, shot, text } = t;
  await page.getByRole("link", { name: "Open the dashboard" }).click();
  await page.waitForURL(/\/dashboard\/?$/);
  await page.getByTestId("period-anchored").waitFor();
  await page.getByTestId("stat-tir").waitFor();
  const { items } = await t.apiGet(token, "/glucose?limit=1");
  const me = await t.apiGet(token, "/auth/me");
  const latest = items[0];
  // The file's last row, 23:55:33 on 2 Jun 2024 in Berlin (summer time).
  if (latest.source !== "dexcom_clarity" || Date.parse(latest.timestamp) !== Date.parse("2024-06-02T23:55:33+02:00"))
    throw new Error(`newest reading ${latest.timestamp} from ${latest.source}`);
  expectEqual(await text(page, "current-value"), formatGlucose(latest.value_mgdl, me.unit), "current value after the import");
  await shot(page, "32-dashboard-after-import");
  return `${await text(page, "period-anchored")} · current ${await text(page, "current-value")} ${me.unit}, TIR ${await text(page, "stat-tir")}`;
}

/** Settings → Your data: "ZIP of CSV files" downloads a zip with a glucose.csv in it. */
export async function exportZip(t) {
  const { page, gotoApp, shot } = t;
  await gotoApp(page, "/settings/data/");
  await page.getByTestId("export-zip").waitFor();
  const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60_000 }), page.getByTestId("export-zip").click()]);
  const name = download.suggestedFilename();
  const bytes = readFileSync(await download.path());
  if (!/^glucolens-export-\d{4}-\d{2}-\d{2}\.zip$/.test(name)) throw new Error(`downloaded as ${name}`);
  if (bytes.subarray(0, 2).toString() !== "PK") throw new Error(`${name} is not a zip`);
  // Member names are stored uncompressed in the zip's central directory.
  if (!bytes.includes("glucose.csv")) throw new Error(`${name} has no glucose.csv`);
  await page.getByTestId("export-done").waitFor();
  await shot(page, "33-settings-data-export");
  return `${name}, ${bytes.length} bytes, has glucose.csv`;
}

/** The danger zone: a wrong password is refused; the right one deletes the account and lands on /login. */
export async function deleteAccount(t, email, password) {
  const { page, gotoApp, shot } = t;
  await gotoApp(page, "/settings/data/");
  await page.getByTestId("delete-account").click();
  const dialog = page.getByTestId("delete-account-dialog");
  await dialog.getByLabel("Password").fill("not-the-password-123");
  await page.getByTestId("delete-account-confirm").click();
  const refused = await dialog.getByRole("alert").textContent();
  await shot(page, "34-delete-account-refused");
  await dialog.getByLabel("Password").fill(password);
  await page.getByTestId("delete-account-confirm").click();
  await page.waitForURL(/\/login\/\?deleted=1$/);
  await page.getByText("Your account and all its data were deleted.").waitFor();
  await shot(page, "35-account-deleted");
  const res = await fetch(`${t.baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 401) throw new Error(`signing in to the deleted account answered ${res.status}`);
  await gotoApp(page, "/dashboard/");
  await page.waitForURL(/\/login\/?(\?.*)?$/);
  return `wrong password: "${refused?.trim()}"; deleted, sign-in answers 401`;
}

/** A new page shaped like a 390 × 844 phone in the dark theme. */
export async function openPhone(t) {
  const phone = await t.context.newPage();
  await phone.setViewportSize({ width: 390, height: 844 });
  await phone.emulateMedia({ colorScheme: "dark" });
  return phone;
}

/** Opens each [path, ready test id, screenshot name] on ``phone``; fails when one is wider than the screen. */
export async function pagesFitPhone(t, phone, pages) {
  const widths = [];
  for (const [path, ready, name] of pages) {
    await t.gotoApp(phone, path);
    await phone.getByTestId(ready).first().waitFor();
    await phone.waitForTimeout(300);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    widths.push(`${path} ${width} px`);
    if (width > 390) throw new Error(`${path} is ${width} px wide on a 390 px screen`);
    await t.shot(phone, name);
  }
  return widths;
}

/** The import page and settings → Your data on a 390 px phone in the dark theme: nothing wider than the screen. */
export async function dataPagesOnPhone(t) {
  const phone = await openPhone(t);
  try {
    const widths = await pagesFitPhone(t, phone, [
      ["/data/import/", "import-row", "36-phone-import-dark"],
      ["/settings/data/", "danger-zone", "37-phone-settings-data-dark"],
    ]);
    return widths.join(", ");
  } finally {
    await phone.close();
  }
}

/** Issue 16: the dashboard's variability card shows the API's MAGE (demo data, 14 days) with its meaning. */
export async function variabilityCard(t, token, mgdl) {
  const { page, text, gotoApp } = t;
  await gotoApp(page, "/dashboard/");
  await page.getByTestId("var-mage-value").waitFor({ timeout: 30_000 });
  const end = mgdl?.end;
  const v = await t.apiGet(token, `/dashboard/variability?days=14${end ? `&end=${end}` : ""}`);
  const mage = v.metrics.find((m) => m.key === "mage");
  if (!mage || mage.status !== "ok") throw new Error(`the API has no MAGE for the demo data: ${JSON.stringify(mage)}`);
  // The tile prints the number with its unit beside it ("163 mg/dL" or "163mg/dL" as text).
  const shown = (await text(page, "var-mage-value")).match(/^[\d.,]+/)?.[0] ?? "";
  expectEqual(shown, formatGlucose(mage.value, v.unit ?? "mg/dL"), "MAGE on the card");
  const meaning = await page.getByTestId("var-mage").textContent();
  if (!meaning?.includes("Reference")) throw new Error("the MAGE tile has no reference range");
  await t.shot(page, "06b-dashboard-variability");
  return `MAGE ${shown} (API ${mage.value.toFixed(1)})`;
}

/** Issue 16: the meal-response and experiment pages fit a 390 px phone in the dark theme (demo data). */
export async function analyticsPagesOnPhone(t) {
  const phone = await openPhone(t);
  try {
    const widths = await pagesFitPhone(t, phone, [
      ["/insights/meals/", "ranked-meals", "11b-phone-meals-dark"],
      ["/insights/experiments/", "new-experiment", "11d-phone-experiments-dark"],
    ]);
    return widths.join(", ");
  } finally {
    await phone.close();
  }
}
