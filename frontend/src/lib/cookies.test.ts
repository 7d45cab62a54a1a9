import { describe, expect, it } from "vitest";
import { readCookie } from "./cookies";

describe("readCookie", () => {
  it("finds a cookie among others and decodes it", () => {
    expect(readCookie("glucolens_csrf", "a=1; glucolens_csrf=abc%3D%3D; b=2")).toBe("abc==");
  });

  it("returns null when absent", () => {
    expect(readCookie("glucolens_csrf", "a=1")).toBeNull();
  });
});
