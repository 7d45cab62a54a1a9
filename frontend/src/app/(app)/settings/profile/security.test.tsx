import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { SessionsList } from "./security";

vi.mock("next/navigation", () => ({ useRouter: () => ({ replace: vi.fn(), push: vi.fn() }) }));

describe("SessionsList", () => {
  beforeEach(() => {
    signInTestUser();
    const mac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    vi.stubGlobal(
      "fetch",
      vi.fn(
        routeFetch({
          "/auth/sessions": [
            { id: "s1", device: mac, ip: "192.0.2.1", created_at: "2026-03-01T08:00:00Z", last_seen_at: null, current: true },
            { id: "s2", device: "glucolens-sync/1.2", ip: null, created_at: "2026-03-02T08:00:00Z", last_seen_at: null, current: false },
          ],
        }),
      ),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("names each session's browser and system instead of the raw user agent", async () => {
    renderWithClient(<SessionsList />);
    const devices = await screen.findAllByTestId("session-device");
    expect(devices[0]).toHaveTextContent("Chrome on macOS");
    expect(devices[0]).not.toHaveTextContent("Mozilla");
    expect(devices[1]).toHaveTextContent("glucolens-sync/1.2");
  });
});
