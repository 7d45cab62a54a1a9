import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { TirBar } from "./tir-bar";

describe("TirBar", () => {
  it("draws each band at its share in consensus colours with an accessible summary", () => {
    render(
      <TirBar
        label="Last 14 days"
        unit="mg/dL"
        bands={{ very_low_pct: 1, low_pct: 3, in_range_pct: 70, high_pct: 20, very_high_pct: 6 }}
      />,
    );
    const bar = screen.getByRole("img");
    expect(bar).toHaveAccessibleName(/In range 70%/);
    const segments = bar.querySelectorAll("div");
    expect(segments).toHaveLength(5);
    // The colour is a theme variable (#8b0000 in the light theme; see src/app/globals.css).
    expect((segments[0] as HTMLElement).style.backgroundColor).toBe("var(--color-tir-very-low)");
    expect((segments[2] as HTMLElement).style.width).toBe("70%");
    expect(screen.getByTestId("tir-in-range")).toHaveTextContent("70%");
  });
});
