import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AlertConfig, AlertKindConfig } from "@/lib/api-types";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { changes, KindRow } from "./kind-row";

function kind(over: Partial<AlertKindConfig>): AlertKindConfig {
  return {
    kind: "low",
    severity: "warning",
    enabled: true,
    threshold: 70 / 18.0182,
    threshold_mgdl: 70,
    threshold_unit: "mmol/L",
    bounds: { min: 2.8, max: 6.1 },
    repeat_min: 15,
    repeat_bounds: { min: 5, max: 240 },
    persist_min: null,
    persists: true,
    options: {},
    max_snooze_min: 720,
    quiet_allowed: true,
    confirm_to_disable: false,
    ...over,
  };
}

function configWith(k: AlertKindConfig): AlertConfig {
  return {
    unit: "mmol/L",
    kinds: [k],
    max_mute_min: 720,
    settings: {
      timezone: "UTC",
      quiet_start: null,
      quiet_end: null,
      quiet_kinds: [],
      mute_until: null,
      channels: { email: false, push: true, webhook: false },
      webhook_url: null,
      emergency_contact_name: null,
      emergency_contact_email: null,
    },
  };
}

describe("KindRow", () => {
  let posted: unknown[];
  let answer: (body: { kinds: { threshold?: number }[] }) => Response;
  beforeEach(() => {
    signInTestUser({ unit: "mmol/L" });
    posted = [];
    answer = () => jsonResponse(200, configWith(kind({ threshold: 4.6, threshold_mgdl: 83 })));
    vi.stubGlobal(
      "fetch",
      vi.fn(async (_input: RequestInfo | URL, init?: RequestInit) => {
        const body = JSON.parse(String(init?.body));
        posted.push(body);
        return answer(body);
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("edits the threshold in mmol/L at a 0.1 step, showing the stored value rounded to it", () => {
    renderWithClient(<KindRow cfg={kind({})} unit="mmol/L" />);
    const input = screen.getByLabelText("Threshold (mmol/L)");
    expect(input).toHaveAttribute("step", "0.1");
    expect(input).toHaveValue(3.9);
  });

  it("sends only what changed, so an untouched rounded threshold does not move the stored mg/dL", () => {
    const cfg = kind({});
    const start = { enabled: true, threshold: "3.9", repeat: "15", persist: "", urgentAfter: "" };
    expect(changes(cfg, start, { ...start, repeat: "20" })).toEqual({ kind: "low", repeat_min: 20 });
    expect(changes(cfg, start, { ...start, threshold: "4.6", persist: "10" })).toEqual({ kind: "low", threshold: 4.6, persist_min: 10 });
  });

  it("saves a new threshold and says so", async () => {
    renderWithClient(<KindRow cfg={kind({})} unit="mmol/L" />);
    fireEvent.change(screen.getByLabelText("Threshold (mmol/L)"), { target: { value: "4.6" } });
    fireEvent.click(screen.getByRole("button", { name: "Save low" }));
    expect(await screen.findByTestId("kind-low-saved")).toHaveTextContent("Saved.");
    expect(posted).toEqual([{ kinds: [{ kind: "low", threshold: 4.6 }], confirm_disable_urgent_low: false }]);
  });

  it("shows the server's 422 under the field it names, with the kind in words", async () => {
    answer = () =>
      jsonResponse(422, {
        error: {
          code: "validation_failed",
          message: "The low threshold must be between 2.8 and 6.1 mmol/L.",
          details: [{ field: "kinds[low].threshold", reason: "The low threshold must be between 2.8 and 6.1 mmol/L." }],
        },
      });
    renderWithClient(<KindRow cfg={kind({})} unit="mmol/L" />);
    const input = screen.getByLabelText("Threshold (mmol/L)");
    fireEvent.change(input, { target: { value: "9" } });
    fireEvent.click(screen.getByRole("button", { name: "Save low" }));
    await waitFor(() => expect(input).toHaveAttribute("aria-invalid", "true"));
    expect(input).toHaveAccessibleDescription(/must be between 2.8 and 6.1 mmol\/L/);
  });

  it("asks before turning urgent low off and sends the confirmation only after it", async () => {
    answer = () => jsonResponse(200, configWith(kind({ kind: "urgent_low", enabled: false, confirm_to_disable: true, persists: false })));
    renderWithClient(
      <KindRow cfg={kind({ kind: "urgent_low", severity: "urgent", confirm_to_disable: true, persists: false })} unit="mmol/L" />,
    );
    fireEvent.click(screen.getByRole("switch", { name: "Urgent low" }));
    fireEvent.click(screen.getByRole("button", { name: "Save urgent low" }));
    const dialog = await screen.findByRole("dialog", { name: "Turn off urgent low alerts?" });
    expect(posted).toEqual([]);
    fireEvent.click(within(dialog).getByRole("button", { name: "Turn off urgent low" }));
    await waitFor(() => expect(posted).toEqual([{ kinds: [{ kind: "urgent_low", enabled: false }], confirm_disable_urgent_low: true }]));
  });
});
