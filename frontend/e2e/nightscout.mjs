// Settings → Integrations, Nightscout section: a token made on the page works against the real
// Nightscout-compatible API, and stops working once revoked on the page.
import { createHash } from "node:crypto";

/**
 * An xDrip+ upload, shaped as NightscoutFoundation/xDrip's NightscoutUploader.java
 * (populateV1APIBGEntry) sends it: an array, `date` in ms, `dateString` with a colon-less
 * offset, `sgv` an int, header `api-secret` = SHA-1 of the text before '@' in its base URL.
 */
function xdripEntry(ms, sgv) {
  const d = new Date(ms);
  return {
    device: "xDrip-DexcomG6",
    date: ms,
    dateString: d.toISOString().replace("Z", "+0000"),
    sgv,
    delta: 1.5,
    direction: "Flat",
    type: "sgv",
    filtered: sgv * 1000,
    unfiltered: sgv * 1000,
    rssi: 100,
    noise: 1,
    sysTime: d.toISOString().replace("Z", "+0000"),
  };
}

async function status(res) {
  const body = await res.text();
  return `${res.status} ${body.slice(0, 200)}`;
}

export async function nightscoutToken(t) {
  const { page, gotoApp, shot, text } = t;
  await gotoApp(page, "/settings/integrations/");
  const url = await text(page, "nightscout-url");
  if (new URL(url).origin !== new URL(t.baseUrl).origin) throw new Error(`Nightscout URL ${url}, server ${t.baseUrl}`);
  await page.getByTestId("ns-tokens-empty").waitFor();
  await page.getByLabel("Token name").fill("e2e uploader");
  await page.getByTestId("ns-token-role").selectOption("readwrite");
  await page.getByTestId("ns-token-create").click();
  const value = await text(page, "one-time-value-text");
  const sha1 = await text(page, "one-time-value-sha1");
  if (!/^e2euploader-[0-9a-f]{32}$/.test(value)) throw new Error(`unexpected token ${value}`);
  if (createHash("sha1").update(value).digest("hex") !== sha1) throw new Error(`shown SHA-1 ${sha1} is not the token's`);
  const xdrip = await page.getByTestId("guide-xdrip").textContent();
  const u = new URL(url);
  if (!xdrip.includes(`${u.protocol}//${value}@${u.host}/api/v1`)) throw new Error(`xDrip+ guide lacks the filled-in base URL: ${xdrip}`);
  await shot(page, "14b-nightscout-token");

  // As xDrip+ would: POST with the SHA-1 in api-secret; then read it back with ?token=.
  const when = Math.floor((Date.now() - 120_000) / 1000) * 1000;
  const post = await fetch(`${url}/api/v1/entries`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "api-secret": sha1 },
    body: JSON.stringify([xdripEntry(when, 123)]),
  });
  if (post.status !== 200) throw new Error(`POST /api/v1/entries: ${await status(post)}`);
  const posted = await post.json();
  if (!Array.isArray(posted) || posted.length !== 1 || typeof posted[0]._id !== "string")
    throw new Error(`POST answered ${JSON.stringify(posted)}`);
  const find = `find[date][$gte]=${when}&find[date][$lte]=${when}`;
  const get = await fetch(`${url}/api/v1/entries.json?count=5&${find}&token=${encodeURIComponent(value)}`);
  if (get.status !== 200) throw new Error(`GET /api/v1/entries.json: ${await status(get)}`);
  const got = await get.json();
  if (got.length !== 1 || got[0].sgv !== 123 || got[0].date !== when) throw new Error(`GET answered ${JSON.stringify(got)}`);

  // The page shows the token as used, then revokes it after the confirmation.
  await page.getByTestId("one-time-value-done").click();
  if ((await page.getByTestId("one-time-value").count()) !== 0) throw new Error("the value is still on the page after Done");
  await page.reload({ waitUntil: "domcontentloaded" });
  const row = page.getByTestId("ns-token").filter({ hasText: "e2e uploader" });
  await row.getByText(/last used/).waitFor();
  if ((await page.content()).includes(value)) throw new Error("the token's value is on the page after a reload");
  await row.getByRole("button", { name: "Revoke e2e uploader" }).click();
  const dialog = page.getByRole("dialog", { name: "Revoke “e2e uploader”?" });
  await dialog.waitFor();
  await shot(page, "14c-nightscout-revoke-dialog");
  await dialog.getByRole("button", { name: "Revoke token" }).click();
  await page.getByTestId("ns-tokens-empty").waitFor();

  const after = await fetch(`${url}/api/v1/entries.json?count=1&token=${encodeURIComponent(value)}`);
  if (after.status !== 401) throw new Error(`GET with the revoked token: ${await status(after)}`);
  const afterPost = await fetch(`${url}/api/v1/entries`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "api-secret": sha1 },
    body: JSON.stringify([xdripEntry(when + 300_000, 130)]),
  });
  if (afterPost.status !== 401) throw new Error(`POST with the revoked token's SHA-1: ${await status(afterPost)}`);
  return `token ${value.slice(0, 16)}…: POST 200 (_id ${posted[0]._id}), GET sgv 123; after revoking on the page GET and POST answer 401`;
}

/** The integrations page on a 390 px phone in the dark theme: nothing wider than the screen. */
export async function integrationsOnPhone(t) {
  const phone = await t.context.newPage();
  try {
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.emulateMedia({ colorScheme: "dark" });
    await t.gotoApp(phone, "/settings/integrations/");
    await phone.getByTestId("nightscout-url").waitFor();
    await phone.getByTestId("guide-xdrip").locator("summary").click();
    await phone.waitForTimeout(300);
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    await t.shot(phone, "38-phone-integrations-dark");
    if (width > 390) throw new Error(`/settings/integrations/ is ${width} px wide on a 390 px screen`);
    return `${width} px`;
  } finally {
    await phone.close();
  }
}

/**
 * Apple Health: the empty state, a type toggle that the server keeps, then one batch sent the way
 * docs/healthkit-sync.md specifies (what GlucoLensKit will send) and its status on the page.
 */
export async function appleHealthStatus(t, token) {
  const { page, gotoApp, shot } = t;
  await gotoApp(page, "/settings/integrations/");
  await page.getByTestId("hk-empty").waitFor();
  const steps = page.getByLabel("Steps");
  if (!(await steps.isChecked())) throw new Error("Steps starts turned off");
  const saved = (r) => r.url().endsWith("/api/v1/integrations/healthkit/configure") && r.request().method() === "POST";
  const [off] = await Promise.all([page.waitForResponse(saved), steps.uncheck()]);
  if (off.status() !== 200) throw new Error(`configure answered ${off.status()}`);
  await page.getByLabel("Steps").locator("xpath=..").getByText("(off)").waitFor();
  await page.reload({ waitUntil: "domcontentloaded" });
  await page.getByTestId("hk-empty").waitFor();
  if (await page.getByLabel("Steps").isChecked()) throw new Error("Steps is on again after a reload: the toggle was not saved");
  const [on] = await Promise.all([page.waitForResponse(saved), page.getByLabel("Steps").check()]);
  if (on.status() !== 200) throw new Error(`configure answered ${on.status()}`);

  const at = new Date(Math.floor((Date.now() - 600_000) / 1000) * 1000).toISOString();
  const res = await fetch(`${t.baseUrl}/api/v1/integrations/healthkit/sync`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({
      batch_id: crypto.randomUUID(),
      sent_at: new Date().toISOString(),
      app_bundle_id: "org.glucolens.app",
      app_version: "1.0 (1)",
      device_model: "iPhone15,2",
      system_version: "17.4.1",
      time_zone: "Europe/Berlin",
      samples: {
        blood_glucose: [
          {
            uuid: crypto.randomUUID().toUpperCase(),
            start: at,
            end: at,
            value: 6.4,
            unit: "mmol<180.15588000005408>/L",
            source_revision: { source: { name: "Dexcom G7", bundle_identifier: "com.dexcom.G7" }, version: "2.4.0" },
            device: { name: "G7", manufacturer: "Dexcom", model: "G7" },
            metadata: { HKMetadataKeyWasUserEntered: false },
          },
        ],
      },
      deletions: [],
    }),
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`POST /healthkit/sync: ${res.status} ${body.slice(0, 300)}`);
  if (JSON.parse(body).accepted !== 1) throw new Error(`sync answered ${body.slice(0, 300)}`);

  await page.reload({ waitUntil: "domcontentloaded" });
  const glucose = page.getByTestId("hk-type").filter({ hasText: "Blood glucose" });
  await glucose.getByText(/Last sync/).waitFor();
  const row = (await glucose.textContent()) ?? "";
  if (!/1 stored/.test(row) || !/From Dexcom G7/.test(row)) throw new Error(`glucose row says: ${row}`);
  if ((await page.getByTestId("hk-empty").count()) !== 0) throw new Error("still says no iPhone has synced");
  await page.getByTestId("hk-types").scrollIntoViewIfNeeded();
  await shot(page, "14d-apple-health");
  return `toggle kept after reload; after one batch: ${row.replace(/\s+/g, " ").trim()}`;
}
