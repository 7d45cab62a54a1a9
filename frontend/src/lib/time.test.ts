import { describe, expect, it } from "vitest";
import { formatAge, formatElapsed, formatOffset, formatTime, isoToZonedLocal, tzOffsetMinutes, zonedLocalToIso } from "./time";

describe("zonedLocalToIso", () => {
  it("uses the winter offset for New York in January", () => {
    expect(zonedLocalToIso("2026-01-15T08:00", "America/New_York")).toBe("2026-01-15T08:00:00-05:00");
  });

  it("uses the summer offset for New York in July", () => {
    expect(zonedLocalToIso("2026-07-15T08:00", "America/New_York")).toBe("2026-07-15T08:00:00-04:00");
  });

  it("handles half-hour zones", () => {
    expect(zonedLocalToIso("2026-03-01T12:30", "Asia/Kolkata")).toBe("2026-03-01T12:30:00+05:30");
  });

  it("gives a valid instant for a wall time skipped by the spring-forward gap", () => {
    const iso = zonedLocalToIso("2026-03-29T01:30", "Europe/London");
    expect(["2026-03-29T01:30:00+00:00", "2026-03-29T01:30:00+01:00"]).toContain(iso);
    expect(Number.isNaN(Date.parse(iso))).toBe(false);
  });

  it("round-trips through isoToZonedLocal", () => {
    const local = "2026-10-10T23:45";
    const iso = zonedLocalToIso(local, "Australia/Sydney");
    expect(isoToZonedLocal(iso, "Australia/Sydney")).toBe(local);
  });

  it("rejects malformed input", () => {
    expect(() => zonedLocalToIso("yesterday", "UTC")).toThrow();
  });
});

describe("tzOffsetMinutes", () => {
  it("is zero for UTC and +60 for Berlin in winter", () => {
    const d = new Date("2026-01-01T12:00:00Z");
    expect(tzOffsetMinutes(d, "UTC")).toBe(0);
    expect(tzOffsetMinutes(d, "Europe/Berlin")).toBe(60);
  });
});

describe("formatting", () => {
  it("formats offsets with sign and padding", () => {
    expect(formatOffset(-300)).toBe("-05:00");
    expect(formatOffset(330)).toBe("+05:30");
    expect(formatOffset(0)).toBe("+00:00");
  });

  it("formats times in the user's zone, not the machine's", () => {
    expect(formatTime("2026-01-15T13:00:00Z", "America/New_York")).toBe("08:00");
    expect(formatTime("2026-01-15T13:00:00Z", "Asia/Tokyo")).toBe("22:00");
  });
});

describe("formatDuration", () => {
  it("rounds to whole minutes before splitting hours", async () => {
    const { formatDuration } = await import("./time");
    expect(formatDuration(77.65886193255453)).toBe("1 h 18 min");
    expect(formatDuration(44.4)).toBe("44 min");
    expect(formatDuration(119.6)).toBe("2 h");
  });
});

describe("formatElapsed and formatAge", () => {
  it("says how long in whole minutes, hours and days", () => {
    expect(formatElapsed(25 * 60000 + 59_000)).toBe("25 min");
    expect(formatElapsed(125 * 60000)).toBe("2 h 5 min");
    expect(formatElapsed(2 * 1440 * 60000)).toBe("2 days");
    expect(formatAge(30_000)).toBe("just now");
    expect(formatAge(3 * 60000)).toBe("3 min ago");
  });
});
