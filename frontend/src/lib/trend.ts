/** CGM trend arrows. Devices name them differently: Dexcom ("SingleUp"), the demo data
 * ("singleUp"), Nightscout's numbers ("1"–"7"), and plain words ("rising"). */
export interface Trend {
  arrow: string;
  label: string;
  /** Direction for styling: a fast fall matters most. */
  direction: "up" | "down" | "flat";
}

const TRENDS: Record<string, Trend> = {
  doubleup: { arrow: "⇈", label: "Rising quickly", direction: "up" },
  singleup: { arrow: "↑", label: "Rising", direction: "up" },
  fortyfiveup: { arrow: "↗", label: "Rising slowly", direction: "up" },
  flat: { arrow: "→", label: "Steady", direction: "flat" },
  fortyfivedown: { arrow: "↘", label: "Falling slowly", direction: "down" },
  singledown: { arrow: "↓", label: "Falling", direction: "down" },
  doubledown: { arrow: "⇊", label: "Falling quickly", direction: "down" },
};

const ALIASES: Record<string, string> = {
  "1": "doubleup",
  "2": "singleup",
  "3": "fortyfiveup",
  "4": "flat",
  "5": "fortyfivedown",
  "6": "singledown",
  "7": "doubledown",
  risingquickly: "doubleup",
  rapidlyrising: "doubleup",
  rising: "singleup",
  risingslowly: "fortyfiveup",
  slowlyrising: "fortyfiveup",
  steady: "flat",
  stable: "flat",
  fallingslowly: "fortyfivedown",
  slowlyfalling: "fortyfivedown",
  falling: "singledown",
  fallingquickly: "doubledown",
  rapidlyfalling: "doubledown",
};

/** The arrow and words for a stored `trend`, or null when it is missing or not computable. */
export function parseTrend(raw: string | null | undefined): Trend | null {
  if (!raw) return null;
  const key = raw.toLowerCase().replace(/[^a-z0-9]/g, "");
  return TRENDS[key] ?? TRENDS[ALIASES[key] ?? ""] ?? null;
}
