// Counts the API requests a signed-in web session makes (issue 15, item 7), to set the
// per-user limit for web sessions from a measurement: Chromium (playwright-core) signs in as
// the demo user and (1) loads the dashboard, (2) opens every insight page, (3) walks every
// page of the app as fast as it renders (a busy minute's worth), (4) sits on the dashboard
// idle for IDLE_S seconds. Prints the /api/ requests of each, and the busiest 60 s window.
// Run through bench/web_session.py, which starts the server and the demo data.
import { createRequire } from "node:module";

// playwright-core is the web app's dev dependency (frontend/node_modules).
const require = createRequire(new URL("../frontend/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [base, email, password] = process.argv.slice(2);
const IDLE_S = Number(process.env.IDLE_S ?? 60);
const chrome = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const PAGES = {
  dashboard: ["/dashboard/"],
  insights: [
    "/insights/correlations/",
    "/insights/causal-graph/",
    "/insights/patterns/",
    "/insights/predictions/",
    "/insights/meals/",
  ],
  data: ["/data/glucose/", "/data/meals/", "/data/sleep/", "/data/activities/", "/data/insulin/", "/data/import/"],
  other: ["/alerts/", "/settings/"],
};

const browser = await chromium.launch({ executablePath: chrome, args: ["--no-sandbox"] });
const context = await browser.newContext();
const page = await context.newPage();
const stamps = [];
let phase = "sign-in";
const counts = {};
page.on("request", (req) => {
  const url = new URL(req.url());
  if (!url.pathname.startsWith("/api/")) return;
  stamps.push(Date.now());
  counts[phase] = (counts[phase] ?? 0) + 1;
});

async function visit(path) {
  await page.goto(base + path, { waitUntil: "networkidle" });
}

await page.goto(base + "/login/", { waitUntil: "networkidle" });
await page.getByLabel("Email").fill(email);
await page.getByLabel("Password").fill(password);
await page.getByRole("button", { name: "Sign in" }).click();
await page.waitForURL(/\/dashboard\/?$/);
await page.waitForLoadState("networkidle");

phase = "dashboard load";
await visit("/dashboard/");
phase = "insight pages (5)";
for (const p of PAGES.insights) await visit(p);
phase = "every page once";
const walkStart = Date.now();
for (const p of Object.values(PAGES).flat()) await visit(p);
const walkS = (Date.now() - walkStart) / 1000;
phase = `dashboard idle ${IDLE_S} s`;
await visit("/dashboard/");
await page.waitForTimeout(IDLE_S * 1000);
await browser.close();

let busiest = 0;
for (let i = 0, j = 0; i < stamps.length; i++) {
  while (stamps[i] - stamps[j] > 60_000) j++;
  busiest = Math.max(busiest, i - j + 1);
}
for (const [name, n] of Object.entries(counts)) console.log(`${name.padEnd(28)} ${String(n).padStart(5)} API requests`);
console.log(`${"walk took".padEnd(28)} ${walkS.toFixed(1).padStart(5)} s`);
console.log(`${"busiest 60 s window".padEnd(28)} ${String(busiest).padStart(5)} API requests`);
