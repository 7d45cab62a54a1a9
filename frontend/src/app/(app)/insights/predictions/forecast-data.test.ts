import { describe, expect, it } from "vitest";
import { buildForecastRows } from "./forecast-data";

describe("buildForecastRows", () => {
  it("anchors the forecast bands at the last reading and appends horizons", () => {
    const rows = buildForecastRows(
      [
        { t: "2026-01-01T10:00:00Z", v: 110 },
        { t: "2026-01-01T10:05:00Z", v: 105 },
      ],
      {
        last_reading_at: "2026-01-01T10:05:00Z",
        last_value: 105,
        time_to_low_min: null,
        horizons: [
          { minutes: 60, value: 80, lo80: 70, hi80: 90, lo95: 60, hi95: 100 },
          { minutes: 30, value: 95, lo80: 88, hi80: 102, lo95: 80, hi95: 110 },
        ],
      },
    );
    expect(rows).toHaveLength(4);
    expect(rows[1]).toMatchObject({ actual: 105, forecast: 105, band80: [105, 105] });
    expect(rows[2]).toMatchObject({ forecast: 95, band95: [80, 110] });
    expect(rows[3].t - rows[1].t).toBe(60 * 60000);
  });
});

describe("toUserUnit", () => {
  it("converts an mg/dL forecast for a mmol/L user", async () => {
    const { toUserUnit } = await import("./forecast-data");
    const p = toUserUnit(
      {
        last_reading_at: "2026-01-01T10:00:00Z",
        last_value: 180.182,
        time_to_low_min: null,
        horizons: [{ minutes: 30, value: 90.091, lo80: 72, hi80: 108, lo95: 54, hi95: 126 }],
      },
      "mmol/L",
    );
    expect(p.last_value).toBeCloseTo(10, 5);
    expect(p.horizons[0].value).toBeCloseTo(5, 5);
    expect(p.unit).toBe("mmol/L");
  });
});
