import { describe, expect, it } from "vitest";
import { bandPath, linePath, nearestIndex, niceTicks, timeTicks } from "./scale";
import { correlationColor } from "./heatmap-color";

describe("chart helpers", () => {
  it("makes round ticks", () => {
    expect(niceTicks(40, 300, 5)).toEqual([50, 100, 150, 200, 250, 300]);
    expect(niceTicks(2, 16.7, 5)).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
  });

  it("finds the nearest index", () => {
    expect(nearestIndex([0, 10, 20, 30], 14)).toBe(1);
    expect(nearestIndex([0, 10, 20, 30], 16)).toBe(2);
    expect(nearestIndex([], 1)).toBe(-1);
  });

  it("places time ticks on local midnights of the user's zone", () => {
    const start = Date.parse("2026-01-10T00:00:00Z");
    const end = start + 3 * 86400000;
    const ticks = timeTicks(start, end, "America/New_York", 1440);
    expect(ticks.map((t) => new Date(t).toISOString())).toEqual([
      "2026-01-10T05:00:00.000Z",
      "2026-01-11T05:00:00.000Z",
      "2026-01-12T05:00:00.000Z",
    ]);
  });

  it("breaks lines across gaps", () => {
    const d = linePath(
      [
        [0, 0],
        [1, 1],
        [5, 5],
      ],
      [0, 1, 100],
      10,
    );
    expect(d.match(/M/g)).toHaveLength(2);
    expect(bandPath([[0, 1]], [[0, 2]])).toMatch(/Z$/);
  });

  it("colours correlations on a diverging scale", () => {
    expect(correlationColor(0)).toBe("rgb(255, 255, 255)");
    expect(correlationColor(1)).toBe("rgb(234, 88, 12)");
    expect(correlationColor(-1)).toBe("rgb(37, 99, 235)");
    expect(correlationColor(null)).toBe("#f1f5f9");
  });
});
