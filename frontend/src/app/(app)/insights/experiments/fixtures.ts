import type { Experiment, ExperimentPlan } from "@/hooks/queries/experiments";

/**
 * Shapes as the API returns them (backend/glucolens/experiments/schemas.py, ExperimentOut and
 * PlanOut); the values are made up for these tests: a 24-day experiment started on
 * Wednesday 2026-12-02, today 2026-12-07, with 2-day blocks.
 */
export const plan: ExperimentPlan = {
  outcome: "window_mean",
  outcome_label: "mean glucose 19:00-23:00",
  unit: "mg/dL",
  target_effect: 15,
  block_days: 2,
  days_needed: 72,
  noise: {
    sd: 20.8,
    rho: 0.05,
    usable_fraction: 0.97,
    history_days: 88,
    from_history: true,
    note: "Fitted on 88 days of your own data.",
  },
  power_curve: [
    { days: 24, power: 0.17 },
    { days: 32, power: 0.35 },
    { days: 40, power: 0.49 },
    { days: 48, power: 0.6 },
    { days: 72, power: 0.81 },
  ],
  message:
    "About 72 days (36 intervention, 36 baseline) give an 80% chance to show an effect of 15 mg/dL on mean glucose 19:00-23:00, if there is one.",
};

const schedule = ["intervention", "intervention", "baseline", "baseline", "baseline", "baseline", "intervention", "intervention"];

export function experiment(overrides: Partial<Experiment> = {}): Experiment {
  const days = Array.from({ length: 24 }, (_, i) => {
    const date = new Date(Date.UTC(2026, 11, 2 + i)).toISOString().slice(0, 10);
    return {
      date,
      assignment: schedule[i % 8] as "intervention" | "baseline",
      followed: i === 1 ? false : null,
      outcome: i < 5 ? 150 - i : null,
      when: (i < 5 ? "past" : i === 5 ? "today" : "future") as "past" | "today" | "future",
    };
  });
  return {
    id: "e1",
    title: "Walk after dinner",
    intervention: "walk 15 minutes after dinner",
    outcome: "window_mean",
    outcome_label: "mean glucose 19:00-23:00",
    status: "running",
    start_date: "2026-12-02",
    end_date: "2026-12-25",
    planned_days: 24,
    days_done: 5,
    today_assignment: "baseline",
    created_at: "2026-12-02T08:00:00Z",
    window_start: "19:00",
    window_end: "23:00",
    target_effect: 15,
    unit: "mg/dL",
    block_days: 2,
    timezone: "Europe/London",
    plan,
    today: {
      date: "2026-12-07",
      assignment: "baseline",
      instruction: "Baseline day: live as usual, without 'walk 15 minutes after dinner'.",
    },
    days,
    adherence: { marked_days: 1, not_followed_days: 1, note: null },
    result: {
      status: "not_enough_days",
      final: false,
      difference: null,
      ci_low: null,
      ci_high: null,
      p_value: null,
      pairs_used: 1,
      min_pairs: 6,
      intervention_days: 2,
      baseline_days: 2,
      verdict: "Not enough days yet: 1 of the at least 6 complete pairs of blocks measured so far.",
      method: "Randomisation test over the coin flips.",
    },
    ended_at: null,
    ...overrides,
  };
}
