import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertOut } from "@/lib/api-types";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { AlertHistory } from "./alert-history";

let search = new URLSearchParams();
vi.mock("next/navigation", () => ({ useSearchParams: () => search }));

const low: AlertOut = {
  id: "a1",
  kind: "low",
  severity: "warning",
  status: "resolved",
  opened_at: "2026-12-07T22:10:00Z",
  resolved_at: "2026-12-07T22:40:00Z",
  resolved_reason: "recovered",
  unit: "mmol/L",
  value: 3.7,
  value_mgdl: 67,
  last_value: 3.5,
  last_value_mgdl: 63,
  trigger_reading_at: "2026-12-07T22:10:00Z",
  last_reading_at: "2026-12-07T22:35:00Z",
  acknowledged_at: null,
  read_at: null,
  escalated_at: null,
  last_notified_at: null,
  notify_count: 0,
  title: "Low: 3.7 mmol/L",
  message: "Glucose is 3.7 mmol/L (your limit: 3.9 mmol/L). Consider fast-acting carbs.",
  details: {},
  decisions: [
    { at: "2026-12-07T22:10:00Z", action: "suppress", reason: "quiet_hours", value: 3.7, value_mgdl: 67 },
    { at: "2026-12-07T22:25:00Z", action: "repeat", reason: "snoozed", value: 3.5, value_mgdl: 63 },
    { at: "2026-12-07T22:40:00Z", action: "close", reason: "recovered", value: 4.3, value_mgdl: 77 },
  ],
};

describe("AlertHistory", () => {
  let requests: { url: string; method: string; body: unknown }[];
  let items: AlertOut[];
  beforeEach(() => {
    signInTestUser({ unit: "mmol/L", timezone: "Europe/Berlin" });
    requests = [];
    items = [low];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const url = String(input);
        requests.push({ url, method: init?.method ?? "GET", body: init?.body ? JSON.parse(String(init.body)) : null });
        if (url.includes("/alerts/history")) return jsonResponse(200, { items, next_cursor: null });
        if (url.includes("/alerts/mark-read")) return jsonResponse(200, { updated: 1, unread: 0 });
        return jsonResponse(404, { error: { code: "not_found", message: "no" } });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("lists the alert with its value in the user's unit, local time and the reasons nothing was sent", async () => {
    renderWithClient(<AlertHistory />);
    const row = await screen.findByTestId("alert-row");
    expect(row).toHaveTextContent("Low");
    expect(row).toHaveTextContent("3.7 mmol/L, last 3.5 mmol/L");
    // 22:10 UTC is 23:10 in Berlin (winter time).
    expect(row).toHaveTextContent("7 Dec 2026, 23:10");
    expect(row).toHaveTextContent("Back across the threshold at 23:40");
    const decisions = within(row)
      .getAllByTestId("alert-decision")
      .map((d) => d.textContent);
    expect(decisions[0]).toContain("Not sent: quiet hours");
    expect(decisions[1]).toContain("Not sent: snoozed");
    expect(decisions[2]).toContain("Resolved: back across the threshold");
  });

  it("marks one alert read by id", async () => {
    renderWithClient(<AlertHistory />);
    fireEvent.click(await screen.findByRole("button", { name: "Mark read" }));
    await waitFor(() => expect(requests.some((r) => r.url.includes("mark-read"))).toBe(true));
    expect(requests.find((r) => r.url.includes("mark-read"))).toMatchObject({ method: "PUT", body: { ids: ["a1"], all: false } });
  });

  it("filters by kind and unread through the query", async () => {
    renderWithClient(<AlertHistory />);
    await screen.findByTestId("alert-row");
    fireEvent.change(screen.getByTestId("alerts-filter-kind"), { target: { value: "urgent_low" } });
    fireEvent.click(screen.getByTestId("alerts-filter-unread"));
    await waitFor(() => expect(requests.at(-1)?.url).toMatch(/kind=urgent_low/));
    expect(requests.at(-1)?.url).toMatch(/unread=true/);
  });

  it("marks the alert a notification links to (?alert=<id>)", async () => {
    search = new URLSearchParams("alert=a1");
    Element.prototype.scrollIntoView = vi.fn();
    renderWithClient(<AlertHistory />);
    expect(await screen.findByTestId("alert-row")).toHaveAttribute("aria-current", "true");
    expect(Element.prototype.scrollIntoView).toHaveBeenCalled();
    search = new URLSearchParams();
  });

  it("says so when there are no alerts yet", async () => {
    items = [];
    renderWithClient(<AlertHistory />);
    expect(await screen.findByTestId("alerts-empty")).toHaveTextContent("No alerts yet");
  });
});
