import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertConfig, AlertKindConfig } from "@/lib/api-types";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { Channels, MuteAll, QuietHours } from "./delivery-settings";
import { snoozeLimit } from "./snoozes";

const kinds = (["urgent_low", "low", "high", "stale_data"] as const).map((kind): AlertKindConfig => ({
  kind,
  severity: kind === "urgent_low" ? "urgent" : "warning",
  enabled: true,
  threshold: 70,
  threshold_mgdl: 70,
  threshold_unit: "mg/dL",
  bounds: null,
  repeat_min: 15,
  repeat_bounds: null,
  persist_min: null,
  persists: false,
  options: {},
  max_snooze_min: kind === "urgent_low" ? 30 : 720,
  quiet_allowed: kind === "low" || kind === "high",
  confirm_to_disable: kind === "urgent_low",
}));

const config: AlertConfig = {
  unit: "mg/dL",
  kinds,
  max_mute_min: 720,
  settings: {
    timezone: "Europe/Berlin",
    quiet_start: "22:00",
    quiet_end: "07:00",
    quiet_kinds: ["low", "high"],
    mute_until: null,
    channels: { email: false, push: true, webhook: false },
    webhook_url: null,
    emergency_contact_name: null,
    emergency_contact_email: null,
  },
};

describe("alert delivery settings", () => {
  let posted: unknown[];
  let answer: () => Response;
  beforeEach(() => {
    signInTestUser();
    posted = [];
    answer = () => jsonResponse(200, config);
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_i: RequestInfo | URL, init?: RequestInit) => {
        posted.push(JSON.parse(String(init?.body)));
        return answer();
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("offers quiet hours only for kinds they may silence, and saves start, end and kinds", async () => {
    renderWithClient(<QuietHours config={config} />);
    expect(screen.queryByRole("checkbox", { name: "Urgent low" })).toBeNull();
    expect(screen.queryByRole("checkbox", { name: "No data" })).toBeNull();
    fireEvent.click(screen.getByRole("checkbox", { name: "High" }));
    fireEvent.change(screen.getByLabelText("From"), { target: { value: "23:00" } });
    fireEvent.click(screen.getByRole("button", { name: "Save quiet hours" }));
    expect(await screen.findByTestId("quiet-saved")).toBeInTheDocument();
    expect(posted[0]).toEqual({
      settings: { quiet_start: "23:00", quiet_end: "07:00", quiet_kinds: ["low"] },
      confirm_disable_urgent_low: false,
    });
  });

  it("shows a refused webhook URL under its field, in words", async () => {
    answer = () =>
      jsonResponse(422, {
        error: {
          code: "validation_failed",
          message: "webhook_url must be https:// (or http:// to localhost).",
          details: [{ field: "settings.webhook_url", reason: "must be https:// (or http:// to localhost)" }],
        },
      });
    renderWithClient(<Channels config={config} />);
    fireEvent.click(screen.getByTestId("channel-webhook"));
    fireEvent.change(screen.getByLabelText("Webhook URL"), { target: { value: "http://example.org/hook" } });
    fireEvent.click(screen.getByTestId("channels-save"));
    await waitFor(() => expect(screen.getByLabelText("Webhook URL")).toHaveAttribute("aria-invalid", "true"));
    expect(screen.getByLabelText("Webhook URL")).toHaveAccessibleDescription(/The webhook URL must be https:\/\//);
  });

  it("mutes for at most the server's limit and shows until when", async () => {
    answer = () => jsonResponse(200, { ...config, settings: { ...config.settings, mute_until: "2026-12-07T12:00:00Z" } });
    renderWithClient(<MuteAll config={config} now={Date.parse("2026-12-07T10:00:00Z")} />);
    const options = Array.from(screen.getByLabelText("Mute for").querySelectorAll("option")).map((o) => o.textContent);
    expect(options.at(-1)).toBe("12 h");
    fireEvent.click(screen.getByRole("button", { name: "Mute" }));
    await waitFor(() => expect(posted[0]).toEqual({ settings: { mute_minutes: 60 }, confirm_disable_urgent_low: false }));
  });

  it("limits a snooze to what every chosen kind allows", () => {
    expect(snoozeLimit(config, ["high"])).toBe(720);
    expect(snoozeLimit(config, ["high", "urgent_low"])).toBe(30);
  });
});
