/**
 * What the page says about how often a tier of causal link was wrong. The figures come with
 * the graph (backend analytics/causal.py `MEASURED_TIERS`, measured by bench/causal_tiers.py on
 * simulated users); results computed before they existed carry none, and then no rate is claimed.
 */
import type { CausalGraphData } from "@/lib/insight-payloads";

export interface TierMeasure {
  /** Share of the tier's links that were false in the benchmark. */
  wrong: number;
  links: number;
  false_links: number;
}

export interface TierErrorRates {
  /** History length (days) of the simulated users the figures come from. */
  measured_days: number;
  established: TierMeasure;
  tentative: TierMeasure;
  source: string;
}

export type CausalGraphWithTiers = CausalGraphData & {
  tier_error_rates?: TierErrorRates | null;
  /** "weekend" when every test was conditioned on the weekend; absent on older results. */
  calendar?: string | null;
};

/** "about 6 times in 10", "about 1 time in 20", "none of 12 times". */
export function howOften(m: TierMeasure): string {
  if (m.links === 0) return "not measured";
  if (m.false_links === 0) return `never (0 of ${m.links} links)`;
  if (m.wrong >= 0.095) {
    const n = Math.round(m.wrong * 10);
    return `about ${n} ${n === 1 ? "time" : "times"} in 10`;
  }
  return `about 1 time in ${Math.round(1 / m.wrong)}`;
}

export function tentativeNote(rates: TierErrorRates | null | undefined): string {
  const base = "Tentative: this link passed the false-discovery check (q < 0.05) but not the stricter one (q < 0.01).";
  if (!rates || rates.tentative.links === 0) {
    return `${base} Links in this tier are wrong much more often than established ones; treat it as a lead to check. It firms up or disappears as more days are logged.`;
  }
  const t = rates.tentative;
  const e = rates.established;
  return (
    `${base} In our tests on simulated users with ${rates.measured_days} days of data, links in this tier were wrong ${howOften(t)} ` +
    `(${t.false_links} of ${t.links}), against ${howOften(e)} for established links (${e.false_links} of ${e.links}). ` +
    "It firms up or disappears as more days are logged."
  );
}
