import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { gapThresholdMs } from "./scale";
import { SeriesChart } from "./series-chart";

const BUCKET_S = 1210; // 7 days in 500 points: 20.2 minutes per bucket
const START = Date.parse("2026-03-01T00:00:00Z");

function bucketPoints(count: number, skip: number[] = []) {
  const points = [];
  for (let i = 0; i < count; i++) {
    if (skip.includes(i)) continue;
    points.push({ t: new Date(START + (i + 0.5) * BUCKET_S * 1000).toISOString(), v: 120 + (i % 7) });
  }
  return points;
}

function drawnSegments(points: { t: string; v: number }[], bucketS: number | null) {
  render(
    <SeriesChart
      points={points}
      unit="mg/dL"
      targetLow={70}
      targetHigh={180}
      startMs={START}
      endMs={START + 7 * 86400000}
      timeZone="UTC"
      label="Glucose"
      bucketS={bucketS}
    />,
  );
  return (screen.getByTestId("series-line").getAttribute("d") ?? "").match(/M/g)?.length ?? 0;
}

describe("SeriesChart gaps", () => {
  it("draws downsampled points one bucket (20.2 min) apart as one line", () => {
    expect(drawnSegments(bucketPoints(50), BUCKET_S)).toBe(1);
  });

  it("breaks the line where a bucket is missing", () => {
    expect(drawnSegments(bucketPoints(50, [20, 21]), BUCKET_S)).toBe(2);
  });

  it("breaks raw readings after 20 minutes without one", () => {
    expect(gapThresholdMs(null)).toBe(20 * 60000);
    expect(gapThresholdMs(1210)).toBe(1815 * 1000);
  });
});
