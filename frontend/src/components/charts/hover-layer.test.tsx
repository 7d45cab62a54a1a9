import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { AgpChart } from "./agp-chart";
import { SeriesChart } from "./series-chart";

/** Point at `fraction` of the way across the hover layer's plot area. */
function pointAt(fraction: number) {
  const capture = screen.getByTestId("hover-capture");
  const width = Number(capture.getAttribute("width"));
  capture.getBoundingClientRect = () => ({
    left: 100,
    top: 0,
    width,
    height: 200,
    right: 100 + width,
    bottom: 200,
    x: 100,
    y: 0,
    toJSON: () => ({}),
  });
  fireEvent.pointerMove(capture, { clientX: 100 + fraction * width });
}

const START = Date.parse("2026-03-01T00:00:00Z");

describe("chart hover layer", () => {
  it("shows the series point nearest the pointer, with a guide and dot, until the pointer leaves", () => {
    const points = [0, 1, 2, 3].map((h) => ({ t: new Date(START + h * 3600000).toISOString(), v: 100 + h * 10 }));
    render(
      <SeriesChart
        points={points}
        unit="mg/dL"
        targetLow={70}
        targetHigh={180}
        startMs={START}
        endMs={START + 4 * 3600000}
        timeZone="UTC"
        label="Glucose"
      />,
    );
    expect(screen.queryByTestId("hover-tip")).toBeNull();
    pointAt(0.55); // 2.2 h: nearest reading is the one at 02:00
    expect(screen.getByTestId("hover-tip")).toHaveTextContent("120 mg/dL");
    expect(screen.getByTestId("hover-guide").querySelector("circle")).not.toBeNull();
    fireEvent.pointerLeave(screen.getByTestId("hover-capture"));
    expect(screen.queryByTestId("hover-tip")).toBeNull();
    expect(screen.queryByTestId("hover-guide")).toBeNull();
  });

  it("shows the AGP bin nearest the pointer with its percentiles", () => {
    const bins = Array.from({ length: 288 }, (_, i) => ({ minute: i * 5, p5: 60, p25: 90, p50: 100 + (i % 50), p75: 140, p95: 200 }));
    render(<AgpChart bins={bins} unit="mg/dL" targetLow={70} targetHigh={180} days={14} />);
    pointAt(0.5); // noon: bin 144, median 100 + 144 % 50
    const tip = screen.getByTestId("hover-tip");
    expect(tip).toHaveTextContent("Median 144");
    expect(tip).toHaveTextContent("5–95%: 60–200 mg/dL");
    expect(screen.getByTestId("hover-guide").querySelector("circle")).toBeNull();
  });
});
