import { describe, expect, it } from "vitest";
import { hostOnly, isHttps, siteUrl, xdripBaseUrl } from "./nightscout";

describe("nightscout URLs", () => {
  it("builds xDrip+'s SECRET@host/api/v1 base URL, keeping the scheme and port", () => {
    expect(xdripBaseUrl("https://glucolens.example.org", "abc_-123")).toBe("https://abc_-123@glucolens.example.org/api/v1");
    expect(xdripBaseUrl("http://127.0.0.1:8000/", "tok-00ff")).toBe("http://tok-00ff@127.0.0.1:8000/api/v1");
  });

  it("encodes a credential so that it cannot change the host", () => {
    expect(xdripBaseUrl("https://a.example", "x@evil.example/")).toBe("https://x%40evil.example%2F@a.example/api/v1");
  });

  it("gives nightscout-librelink-up the host without the scheme, and says whether it is https", () => {
    expect(hostOnly("https://glucolens.example.org/")).toBe("glucolens.example.org");
    expect(hostOnly("http://10.0.0.2:8000")).toBe("10.0.0.2:8000");
    expect(isHttps("https://glucolens.example.org")).toBe(true);
    expect(isHttps("http://10.0.0.2:8000")).toBe(false);
  });

  it("drops a trailing slash (uploaders append /api/v1 themselves)", () => {
    expect(siteUrl("https://glucolens.example.org/")).toBe("https://glucolens.example.org");
    expect(siteUrl("https://example.org/glucolens/")).toBe("https://example.org/glucolens");
  });
});
