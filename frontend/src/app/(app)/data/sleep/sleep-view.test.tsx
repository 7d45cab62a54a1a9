import { screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { renderWithClient, routeFetch, signInTestUser } from "@/test/render";
import { SleepView } from "./sleep-view";

const night = {
  id: "1",
  source: "demo",
  external_id: "s-1",
  start: "2026-03-01T22:41:13Z",
  end: "2026-03-02T06:38:47Z",
  in_bed_min: 477.5666,
  asleep_min: 441.3187,
  awake_min: 36.2,
  deep_min: 77.65886193255453,
  core_min: 251.3,
  rem_min: 112.3251688692698,
};

describe("SleepView", () => {
  beforeEach(() => {
    signInTestUser({ timezone: "Europe/Berlin" });
    vi.stubGlobal("fetch", vi.fn(routeFetch({ "/sleep": { items: [night], next_cursor: null } })));
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("shows durations in whole minutes", async () => {
    renderWithClient(<SleepView />);
    const row = (await screen.findByText("1 h 18 min / 1 h 52 min")).closest("tr")!;
    expect(row).toHaveTextContent("7 h 21 min");
    expect(row.textContent).not.toMatch(/\d\.\d/);
  });

  it("starts a new entry at last night, 23:00 to 07:00", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-03-10T09:30:00Z")); // 10:30 in Berlin
    renderWithClient(<SleepView />);
    expect(screen.getByLabelText("Went to bed")).toHaveValue("2026-03-09T23:00");
    expect(screen.getByLabelText("Got up")).toHaveValue("2026-03-10T07:00");
  });

  it("before 07:00 the night before is the one that has ended", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-03-10T04:00:00Z")); // 05:00 in Berlin
    renderWithClient(<SleepView />);
    expect(screen.getByLabelText("Went to bed")).toHaveValue("2026-03-08T23:00");
    expect(screen.getByLabelText("Got up")).toHaveValue("2026-03-09T07:00");
  });
});
