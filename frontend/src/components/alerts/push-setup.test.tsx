import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jsonResponse, renderWithClient, signInTestUser } from "@/test/render";
import { PushSetup } from "./push-setup";

/** The browser pieces the Push API needs; permission as given, and what requestPermission answers. */
function browser(permission: NotificationPermission, answer: NotificationPermission = permission) {
  const notification = { permission, requestPermission: vi.fn(async () => ((notification.permission = answer), answer)) };
  vi.stubGlobal("Notification", notification);
  vi.stubGlobal("PushManager", function PushManager() {});
  Object.defineProperty(navigator, "serviceWorker", {
    configurable: true,
    value: { getRegistration: async () => undefined, register: vi.fn(), ready: new Promise(() => {}) },
  });
  return notification;
}

describe("PushSetup", () => {
  beforeEach(() => {
    signInTestUser();
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        jsonResponse(200, { public_key: "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs" }),
      ),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    Reflect.deleteProperty(navigator, "serviceWorker");
  });

  it("offers to enable notifications and explains the browser prompt", async () => {
    browser("default");
    renderWithClient(<PushSetup />);
    expect(await screen.findByRole("button", { name: "Enable notifications" })).toBeInTheDocument();
    expect(screen.getByText(/Your browser will ask/)).toBeInTheDocument();
  });

  it("explains how to unblock when the person refuses the prompt", async () => {
    const n = browser("default", "denied");
    renderWithClient(<PushSetup />);
    fireEvent.click(await screen.findByRole("button", { name: "Enable notifications" }));
    await waitFor(() => expect(n.requestPermission).toHaveBeenCalled());
    expect(await screen.findByTestId("push-denied")).toHaveTextContent(/set Notifications to Allow/);
  });

  it("says the browser cannot do push when the API is missing", async () => {
    renderWithClient(<PushSetup />);
    expect(await screen.findByText("This browser cannot receive push notifications")).toBeInTheDocument();
  });
});
