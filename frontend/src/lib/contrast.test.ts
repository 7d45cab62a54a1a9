import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { contrastRatio } from "./contrast";

// vitest runs from frontend/; jsdom's import.meta.url is not a file URL.
const css = readFileSync(resolve(process.cwd(), "src/app/globals.css"), "utf8");
const darkBlock = css.slice(css.indexOf("@media (prefers-color-scheme: dark)"));
const lightBlock = css.slice(css.indexOf("@theme"), css.indexOf("@media (prefers-color-scheme: dark)"));

function cssVar(block: string, name: string): string {
  const m = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{6})`).exec(block);
  if (!m) throw new Error(`--${name} not set as #rrggbb in this block`);
  return m[1];
}

const BANDS = ["tir-very-low", "tir-low", "tir-in-range", "tir-high", "tir-very-high"].map((b) => `color-${b}`);
// The surfaces a band colour is drawn on: cards (white), the page (slate-50) and the empty
// track of the TIR bar (slate-100). Light values are Tailwind's defaults.
const LIGHT_SURFACES = { card: "#ffffff", page: "#f8fafc", track: "#f1f5f9" };
const DARK_SURFACES = {
  card: cssVar(darkBlock, "color-white"),
  page: cssVar(darkBlock, "color-slate-50"),
  track: cssVar(darkBlock, "color-slate-100"),
};
/** WCAG 2.1 SC 1.4.11: graphical objects need 3:1 against adjacent colours. */
const NON_TEXT_MIN = 3;

describe("contrast", () => {
  it("computes WCAG ratios", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
  });

  for (const [theme, block, surfaces] of [
    ["light", lightBlock, LIGHT_SURFACES],
    ["dark", darkBlock, DARK_SURFACES],
  ] as const) {
    for (const band of BANDS) {
      it(`${band} has at least 3:1 on every ${theme} surface`, () => {
        const colour = cssVar(block, band);
        for (const [surface, bg] of Object.entries(surfaces)) {
          const ratio = contrastRatio(colour, bg);
          expect(ratio, `${band} ${colour} on ${theme} ${surface} ${bg}: ${ratio.toFixed(2)}`).toBeGreaterThanOrEqual(NON_TEXT_MIN);
        }
      });
    }
  }

  it("dark secondary text (slate-500) stays readable on dark cards (4.5:1)", () => {
    expect(contrastRatio(cssVar(darkBlock, "color-slate-500"), DARK_SURFACES.card)).toBeGreaterThanOrEqual(4.5);
  });
});
