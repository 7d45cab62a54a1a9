import { describe, expect, it } from "vitest";
import { decisionText, isSuppression, kindLabel, resolvedText, thresholdStep, thresholdUnit } from "./alerts";

describe("decisionText", () => {
  it("says why a notification was not sent, in plain words", () => {
    expect(decisionText("suppress", "snoozed")).toBe("Not sent: snoozed");
    expect(decisionText("repeat", "quiet_hours")).toBe("Not sent: quiet hours");
    expect(decisionText("repeat", "muted")).toBe("Not sent: all alerts muted");
    expect(decisionText("rejoin", "episode_open")).toBe("Not sent: this alert was already open");
    expect(decisionText("pending", "persist_pending")).toBe("Not sent: waiting to see whether it persists");
    expect(decisionText("escalate", "no_contact")).toBe("Not escalated: no emergency contact is set");
  });

  it("shows a reason it does not know as words rather than hiding it", () => {
    expect(decisionText("suppress", "sensor_warmup")).toBe("Not sent: sensor warmup");
    expect(decisionText("suppress", null)).toBe("Not sent: no reason recorded");
  });

  it("words notifications and closes without calling them suppressed", () => {
    expect(decisionText("open", null)).toBe("Opened and notified");
    expect(decisionText("repeat", null)).toBe("Repeated");
    expect(decisionText("close", "recovered")).toBe("Resolved: back across the threshold");
    expect(isSuppression("close", "disabled")).toBe(false);
    expect(isSuppression("repeat", "snoozed")).toBe(true);
    expect(isSuppression("repeat", null)).toBe(false);
  });
});

describe("thresholds", () => {
  it("edits glucose kinds in the user's unit, rates per minute and stale data in minutes", () => {
    expect(thresholdUnit("low", "mmol/L")).toBe("mmol/L");
    expect(thresholdStep("low", "mmol/L")).toBe("0.1");
    expect(thresholdStep("low", "mg/dL")).toBe("1");
    expect(thresholdUnit("falling_fast", "mmol/L")).toBe("mmol/L/min");
    expect(thresholdStep("falling_fast", "mmol/L")).toBe("0.01");
    expect(thresholdUnit("stale_data", "mmol/L")).toBe("min");
    expect(thresholdStep("stale_data", "mg/dL")).toBe("1");
  });
});

describe("labels", () => {
  it("names kinds and resolutions, and falls back to words for unknown codes", () => {
    expect(kindLabel("urgent_low_soon")).toBe("Urgent low soon");
    expect(kindLabel("new_kind")).toBe("New kind");
    expect(resolvedText("data_returned")).toBe("Data arrived again");
    expect(resolvedText(null)).toBe("Resolved");
  });
});

describe("server messages", () => {
  it("turns kind and field codes into words", async () => {
    const { alertCodesToWords, errorField } = await import("./alerts");
    expect(alertCodesToWords("The urgent_low threshold must be between 2.2 and 3.9 mmol/L.")).toBe(
      "The urgent low threshold must be between 2.2 and 3.9 mmol/L.",
    );
    expect(alertCodesToWords("stale_data's urgent_after_min (20) must be more than its threshold (20 min).")).toBe(
      "No data's 'urgent after' (20) must be more than its threshold (20 min).",
    );
    expect(alertCodesToWords("Quiet hours need both quiet_start and quiet_end (or neither).")).toBe(
      "Quiet hours need both the start of quiet hours and the end of quiet hours (or neither).",
    );
    // lib/errors.ts capitalises the server's sentence first: "Webhook_url must be ...".
    expect(alertCodesToWords("Webhook_url must be https://.")).toBe("The webhook URL must be https://.");
    expect(alertCodesToWords("Urgent_low threshold too high.")).toBe("Urgent low threshold too high.");
    expect(errorField("kinds[low].threshold")).toEqual({ kind: "low", field: "threshold" });
    expect(errorField("settings.quiet_end")).toEqual({ kind: null, field: "quiet_end" });
  });
});
