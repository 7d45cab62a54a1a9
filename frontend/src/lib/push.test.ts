import { describe, expect, it, vi } from "vitest";
import { subscriptionBody, urlBase64ToUint8Array, withTimeout } from "./push";

describe("urlBase64ToUint8Array", () => {
  it("decodes an unpadded base64url VAPID key (RFC 8292: 65-byte uncompressed point)", () => {
    // The example public key of RFC 8292 section 3.2's figure (an uncompressed P-256 point).
    const key = "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs";
    const bytes = urlBase64ToUint8Array(key);
    expect(bytes).toHaveLength(65);
    expect(bytes[0]).toBe(4);
  });
});

describe("subscriptionBody", () => {
  it("keeps the endpoint, expiry and keys of PushSubscription.toJSON()", () => {
    const json = { endpoint: "https://push.example.net/abc", expirationTime: null, keys: { p256dh: "BAx", auth: "xyz" } };
    expect(subscriptionBody(json)).toEqual(json);
  });

  it("refuses a subscription without keys instead of sending half of one", () => {
    expect(() => subscriptionBody({ endpoint: "https://push.example.net/abc" })).toThrow(/incomplete/);
  });
});

describe("withTimeout", () => {
  it("gives up on a subscribe() that never settles, with the sentence given", async () => {
    vi.useFakeTimers();
    try {
      const never = new Promise<never>(() => {});
      const result = withTimeout(never, 15_000, "The browser's push service did not answer.");
      const check = expect(result).rejects.toThrow("The browser's push service did not answer.");
      await vi.advanceTimersByTimeAsync(15_000);
      await check;
    } finally {
      vi.useRealTimers();
    }
  });

  it("passes a settled answer through", async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, "late")).resolves.toBe(7);
  });
});
