import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { NightscoutCredential } from "@/lib/api-types";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { NightscoutSection } from "./nightscout-section";

const URL_ROOT = "https://glucolens.example.org";
const TOKEN_VALUE = "follower-0123456789abcdef0123456789abcdef";
const TOKEN_SHA1 = "8b2d1c4e0f9a7b6c5d4e3f2a1b0c9d8e7f6a5b4c";
const SECRET_VALUE = "s3cr3t-URLsafe_value-0123456789ab";
const SECRET_SHA1 = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";

const secretRow: NightscoutCredential = {
  id: "c-secret",
  kind: "secret",
  name: "API secret",
  role: "readwrite",
  shown_prefix: null,
  created_at: "2026-11-01T09:00:00Z",
  last_used_at: "2026-12-06T22:15:00Z",
};
const xdripRow: NightscoutCredential = {
  id: "c-xdrip",
  kind: "token",
  name: "xDrip+ phone",
  role: "readwrite",
  shown_prefix: "xdripphone-ab12",
  created_at: "2026-11-02T09:00:00Z",
  last_used_at: null,
};

interface Call {
  method: string;
  path: string;
  body: unknown;
}

/** A small in-memory stand-in for the three credential routes, recording every call. */
function credentialServer(initial: NightscoutCredential[], overrides: { list?: () => Response; create?: () => Response } = {}) {
  let items = [...initial];
  const calls: Call[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const path = new URL(String(input)).pathname;
    const method = init?.method ?? "GET";
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : undefined;
    calls.push({ method, path, body });
    if (path === "/api/v1/integrations/nightscout/credentials" && method === "GET") {
      return overrides.list ? overrides.list() : jsonResponse(200, { nightscout_url: URL_ROOT, items });
    }
    if (path === "/api/v1/integrations/nightscout/credentials" && method === "POST") {
      if (overrides.create) return overrides.create();
      const b = body as { kind: string; name: string; role: string };
      const row: NightscoutCredential =
        b.kind === "secret"
          ? { ...secretRow, id: "c-secret-2", created_at: "2026-12-07T08:00:00Z", last_used_at: null }
          : { ...xdripRow, id: "c-new", name: b.name, role: b.role, shown_prefix: "follower-0123", created_at: "2026-12-07T08:00:00Z" };
      items = b.kind === "secret" ? [row, ...items.filter((c) => c.kind !== "secret")] : [row, ...items];
      const secret = b.kind === "secret";
      return jsonResponse(201, {
        credential: row,
        value: secret ? SECRET_VALUE : TOKEN_VALUE,
        api_secret_sha1: secret ? SECRET_SHA1 : TOKEN_SHA1,
        nightscout_url: URL_ROOT,
      });
    }
    const m = /^\/api\/v1\/integrations\/nightscout\/credentials\/(.+)$/.exec(path);
    if (m && method === "DELETE") {
      const before = items.length;
      items = items.filter((c) => c.id !== m[1]);
      return before === items.length
        ? jsonResponse(404, { error: { code: "not_found", message: "No such Nightscout credential." } })
        : new Response(null, { status: 204 });
    }
    return jsonResponse(404, { error: { code: "not_found", message: `no route ${path}` } });
  });
  return { fetchMock, calls };
}

describe("NightscoutSection", () => {
  let writeText: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    signInTestUser();
    writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, "clipboard", { value: { writeText }, configurable: true });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    localStorage.clear();
    sessionStorage.clear();
  });

  it("shows the user's Nightscout URL and each credential's role, creation and last use", async () => {
    const { fetchMock } = credentialServer([secretRow, xdripRow]);
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    expect(await screen.findByTestId("nightscout-url")).toHaveTextContent(URL_ROOT);
    expect(screen.getByTestId("ns-secret-status")).toHaveTextContent("last used 6 Dec 2026");
    const token = screen.getByTestId("ns-token");
    expect(token).toHaveTextContent("xDrip+ phone");
    expect(token).toHaveTextContent("xdripphone-ab12…");
    expect(token).toHaveTextContent("Read and write");
    expect(token).toHaveTextContent("never used");
    await userEvent.click(within(screen.getByTestId("nightscout-url").parentElement!).getByRole("button"));
    expect(writeText).toHaveBeenCalledWith(URL_ROOT);
  });

  it("creates a read-only token with the chosen role and shows its value and SHA-1 once", async () => {
    const { fetchMock, calls } = credentialServer([secretRow]);
    vi.stubGlobal("fetch", fetchMock);
    const log = vi.spyOn(console, "log");
    renderWithClient(<NightscoutSection />);
    await screen.findByTestId("ns-tokens-empty");

    await userEvent.type(screen.getByLabelText("Token name"), "Follower watch");
    await userEvent.selectOptions(screen.getByLabelText("Role"), "read");
    await userEvent.click(screen.getByTestId("ns-token-create"));

    const shown = await screen.findByTestId("one-time-value");
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ kind: "token", name: "Follower watch", role: "read" });
    expect(within(shown).getByTestId("one-time-value-text")).toHaveTextContent(TOKEN_VALUE);
    expect(within(shown).getByTestId("one-time-value-sha1")).toHaveTextContent(TOKEN_SHA1);
    expect(shown).toHaveTextContent("you will not see it again");
    expect(screen.getByText(/access token “Follower watch” \(read only\)/)).toBeInTheDocument();
    // A read-only token is not offered to the uploaders, which need to write.
    expect(screen.getByTestId("uploader-guides")).not.toHaveTextContent(TOKEN_VALUE);

    await userEvent.click(within(shown).getByTestId("one-time-value-copy"));
    expect(writeText).toHaveBeenLastCalledWith(TOKEN_VALUE);
    expect(await within(shown).findByText("Copied")).toBeInTheDocument();

    // The list refetched with the new token, which shows only its prefix.
    await waitFor(() => expect(screen.getByTestId("ns-tokens")).toHaveTextContent("Follower watch"));
    expect(screen.getByTestId("ns-tokens")).toHaveTextContent("Read only");
    expect(screen.getByTestId("ns-tokens")).not.toHaveTextContent(TOKEN_VALUE);

    await userEvent.click(screen.getByTestId("one-time-value-done"));
    expect(screen.queryByTestId("one-time-value")).not.toBeInTheDocument();
    expect(document.body).not.toHaveTextContent(TOKEN_VALUE);
    // Never kept in storage or written to the console.
    const stored = [...Object.values({ ...localStorage }), ...Object.values({ ...sessionStorage })].join(" ");
    expect(stored).not.toContain(TOKEN_VALUE);
    expect(JSON.stringify(log.mock.calls)).not.toContain(TOKEN_VALUE);
  });

  it("fills a new read-write value into the uploader settings, xDrip+'s SECRET@host form and LibreLinkUp's SHA-1", async () => {
    const { fetchMock } = credentialServer([]);
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    const guides = await screen.findByTestId("uploader-guides");
    expect(within(guides).getByTestId("guide-xdrip")).toHaveTextContent("https://API-SECRET@glucolens.example.org/api/v1");
    expect(screen.getByTestId("ns-secret-status")).toHaveTextContent("No API secret yet.");

    await userEvent.click(screen.getByTestId("ns-secret-create"));
    await screen.findByTestId("one-time-value");
    expect(within(guides).getByTestId("guide-xdrip")).toHaveTextContent(`https://${SECRET_VALUE}@glucolens.example.org/api/v1`);
    const llu = within(guides).getByTestId("guide-librelinkup");
    expect(llu).toHaveTextContent("glucolens.example.org");
    expect(llu).toHaveTextContent(SECRET_SHA1);
    expect(llu).not.toHaveTextContent("NIGHTSCOUT_DISABLE_HTTPS");
    expect(within(guides).getByTestId("guide-loop")).toHaveTextContent(SECRET_VALUE);
    // AAPS (NSClient v3) takes an access token, never the secret.
    expect(within(guides).getByTestId("guide-aaps")).not.toHaveTextContent(SECRET_VALUE);
    expect(within(guides).getByTestId("guide-aaps")).toHaveTextContent("READ-WRITE-TOKEN");

    await userEvent.click(screen.getByTestId("one-time-value-done"));
    expect(within(guides).getByTestId("guide-xdrip")).toHaveTextContent("https://API-SECRET@glucolens.example.org/api/v1");
  });

  it("fills a new read-write token into AAPS's NS access token and LibreLinkUp's v3 variant", async () => {
    const { fetchMock } = credentialServer([secretRow]);
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    await userEvent.type(await screen.findByLabelText("Token name"), "AAPS");
    await userEvent.click(screen.getByTestId("ns-token-create"));
    await screen.findByTestId("one-time-value");
    const guides = screen.getByTestId("uploader-guides");
    expect(within(guides).getByTestId("guide-aaps")).toHaveTextContent(TOKEN_VALUE);
    const llu = within(guides).getByTestId("guide-librelinkup");
    expect(llu).toHaveTextContent(TOKEN_SHA1);
    expect(llu).toHaveTextContent(`NIGHTSCOUT_API_V3=true`);
    expect(llu).toHaveTextContent(TOKEN_VALUE);
  });

  it("replaces the API secret only after a confirmation that says the old one stops working", async () => {
    const { fetchMock, calls } = credentialServer([secretRow]);
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    await userEvent.click(await screen.findByTestId("ns-secret-rotate"));
    const dialog = await screen.findByRole("dialog", { name: "Replace the API secret?" });
    expect(dialog).toHaveTextContent("stops working at once");
    // Focus starts on Cancel, and Escape closes without replacing anything.
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await userEvent.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    await userEvent.click(screen.getByTestId("ns-secret-rotate"));
    await userEvent.click(await screen.findByTestId("ns-secret-rotate-dialog-confirm"));
    expect(await screen.findByTestId("one-time-value-text")).toHaveTextContent(SECRET_VALUE);
    expect(calls.filter((c) => c.method === "POST").map((c) => c.body)).toEqual([{ kind: "secret", name: "", role: "readwrite" }]);
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("revokes a token only after its confirmation; Cancel sends nothing", async () => {
    const { fetchMock, calls } = credentialServer([secretRow, xdripRow]);
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    await userEvent.click(await screen.findByRole("button", { name: "Revoke xDrip+ phone" }));
    let dialog = await screen.findByRole("dialog", { name: "Revoke “xDrip+ phone”?" });
    expect(dialog).toHaveTextContent("stops working at once");
    await userEvent.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);

    await userEvent.click(screen.getByRole("button", { name: "Revoke xDrip+ phone" }));
    dialog = await screen.findByRole("dialog", { name: "Revoke “xDrip+ phone”?" });
    await userEvent.click(within(dialog).getByRole("button", { name: "Revoke token" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/v1/integrations/nightscout/credentials/c-xdrip"]);
    expect(await screen.findByTestId("ns-tokens-empty")).toBeInTheDocument();
  });

  it("says so when a token was already revoked elsewhere (404) and refreshes the list", async () => {
    const { fetchMock } = credentialServer([secretRow, xdripRow]);
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    await userEvent.click(await screen.findByRole("button", { name: "Revoke xDrip+ phone" }));
    // Another tab revokes it first.
    await fetch("http://localhost/api/v1/integrations/nightscout/credentials/c-xdrip", { method: "DELETE" });
    await userEvent.click(screen.getByRole("button", { name: "Revoke token" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("This was already revoked.");
    await waitFor(() => expect(screen.getByTestId("ns-tokens-empty")).toBeInTheDocument());
  });

  it("shows the API's 409 sentence and never sends a token without a name", async () => {
    const { fetchMock, calls } = credentialServer([secretRow], {
      create: () => jsonResponse(409, { error: { code: "conflict", message: "At most 25 active access tokens; revoke one first." } }),
    });
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    await userEvent.click(await screen.findByTestId("ns-token-create"));
    expect(screen.getByText("Give the token a name, such as the app that will use it.")).toBeInTheDocument();
    expect(screen.getByLabelText("Token name")).toHaveAttribute("aria-invalid", "true");
    expect(calls.some((c) => c.method === "POST")).toBe(false);

    await userEvent.type(screen.getByLabelText("Token name"), "one too many");
    await userEvent.click(screen.getByTestId("ns-token-create"));
    expect(await screen.findByRole("alert")).toHaveTextContent("At most 25 active access tokens; revoke one first.");
    expect(screen.queryByTestId("one-time-value")).not.toBeInTheDocument();
  });

  it("shows an error with Try again when the credentials cannot be loaded, and recovers", async () => {
    let fail = true;
    const { fetchMock } = credentialServer([secretRow], {
      list: () =>
        fail
          ? jsonResponse(503, { error: { code: "unavailable", message: "" } })
          : jsonResponse(200, { nightscout_url: URL_ROOT, items: [secretRow] }),
    });
    vi.stubGlobal("fetch", fetchMock);
    renderWithClient(<NightscoutSection />);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load your Nightscout settings");
    expect(alert).toHaveTextContent("The server had a problem. Please try again in a moment. (503)");
    expect(screen.queryByTestId("uploader-guides")).not.toBeInTheDocument();
    fail = false;
    await userEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByTestId("nightscout-url")).toHaveTextContent(URL_ROOT);
  });
});
