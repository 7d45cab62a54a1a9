"use client";
import { useRouter } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect, Textarea } from "@/components/ui/input";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import { useCreateExperiment, useExperimentPlan, type ExperimentPlan, type PlanParams } from "@/hooks/queries/experiments";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import { defaultEffect, effectUnit, OUTCOME_CHOICES, outcomeChoice, type OutcomeKind } from "@/lib/experiments";
import { errorMessage } from "@/lib/utils";

const FIELD_LABELS = {
  title: "Title",
  intervention: "What you will do",
  window_start: "Window start",
  window_end: "Window end",
  target_effect: "Smallest change you care about",
  planned_days: "Days",
  start_date: "Start date",
};

/** The plan's answer, kept after a change until the next one arrives (a slider-like feel). */
function useDebounced<T>(value: T, ms: number): T {
  const [current, setCurrent] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setCurrent(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return current;
}

function PlanPreview({ plan, unit }: { plan: ExperimentPlan; unit: string }) {
  return (
    <div className="space-y-3" data-testid="plan-preview">
      {plan.days_needed ? (
        <p className="text-base font-medium text-slate-900" data-testid="days-needed">
          About {plan.days_needed} days needed
        </p>
      ) : (
        <p className="text-base font-medium text-slate-900" data-testid="days-needed">
          More than 240 days needed
        </p>
      )}
      <p className="text-sm text-slate-700">{plan.message}</p>
      <p className="text-xs text-slate-500" data-testid="plan-note">
        {plan.noise.note} Day-to-day spread {plan.noise.sd} {unit === "%" ? "points" : unit}
        {plan.noise.from_history ? `, one day's value ${plan.noise.rho >= 0.2 ? "clearly" : "a little"} like the next` : ""}.
      </p>
      <div>
        <p className="mb-1 text-xs font-medium text-slate-600">Chance to show the effect, by length</p>
        <ul className="flex flex-wrap gap-1.5" aria-label="Chance to show the effect by number of days">
          {plan.power_curve
            .filter((_, i) => i % 2 === 0)
            .slice(0, 12)
            .map((p) => (
              <li key={p.days} className="rounded-md bg-slate-100 px-2 py-1 text-xs text-slate-700">
                {p.days} d: <span className="font-medium">{Math.round(p.power * 100)}%</span>
              </li>
            ))}
        </ul>
      </div>
    </div>
  );
}

export function NewExperimentForm() {
  const router = useRouter();
  const user = useUser();
  const [title, setTitle] = useState("");
  const [intervention, setIntervention] = useState("");
  const [outcome, setOutcome] = useState<OutcomeKind>("window_mean");
  const [windowStart, setWindowStart] = useState("19:00");
  const [windowEnd, setWindowEnd] = useState("23:00");
  const [effect, setEffect] = useState(String(defaultEffect("window_mean", user.unit)));
  const [block, setBlock] = useState<"2" | "3">("2");
  const [days, setDays] = useState("");
  const choice = outcomeChoice(outcome);
  const effectNumber = Number(effect);
  const effectOk = effect.trim() !== "" && Number.isFinite(effectNumber) && effectNumber > 0;
  const windowOk = !choice.window || (windowStart !== "" && windowEnd !== "" && windowStart < windowEnd);

  const params: PlanParams | null = useMemo(
    () =>
      effectOk && windowOk
        ? {
            outcome,
            target_effect: effectNumber,
            block_days: Number(block),
            window_start: choice.window ? windowStart : null,
            window_end: choice.window ? windowEnd : null,
          }
        : null,
    [effectOk, windowOk, outcome, effectNumber, block, choice.window, windowStart, windowEnd],
  );
  const plan = useExperimentPlan(useDebounced(params, 400));
  const create = useCreateExperiment();

  function changeOutcome(next: OutcomeKind) {
    setOutcome(next);
    setEffect(String(defaultEffect(next, user.unit)));
  }

  const submit = useSubmit({
    validate: () => {
      if (!title.trim() || !intervention.trim()) return "Give the experiment a title and say what you will do.";
      if (!effectOk) return "Give the smallest change you care about, a number above 0.";
      if (!windowOk) return "The time window must start before it ends.";
      return true;
    },
    run: async () => {
      const exp = await create.mutateAsync({
        title: title.trim(),
        intervention: intervention.trim(),
        outcome,
        target_effect: effectNumber,
        unit: outcome === "day_tir" ? null : user.unit,
        block_days: Number(block),
        planned_days: days.trim() ? Number(days) : null,
        ...(choice.window ? { window_start: windowStart, window_end: windowEnd } : {}),
      });
      router.push(`/insights/experiments/view/?id=${exp.id}`);
    },
    navigates: true,
    errorContext: {
      conflict: "You already have an experiment running; stop it first (one runs at a time).",
      fieldLabels: FIELD_LABELS,
    },
  });

  const unitWord = effectUnit(outcome, user.unit);
  return (
    <div className="space-y-6">
      <PageHeader
        title="New experiment"
        description="Choose one change and what it should move. Intervention and baseline days come in pairs of blocks, in an order drawn at random."
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,22rem)]">
        <Card>
          <CardContent className="pt-5">
            <form className="space-y-4" onSubmit={submit.onSubmit} noValidate>
              <Field id="exp-title" label="Title">
                <Input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={120} placeholder="Walk after dinner" />
              </Field>
              <Field id="exp-intervention" label="What you will do on intervention days">
                <Textarea
                  value={intervention}
                  onChange={(e) => setIntervention(e.target.value)}
                  maxLength={500}
                  placeholder="Walk 15 minutes after dinner"
                />
              </Field>
              <Field id="exp-outcome" label="What it should change" hint={choice.hint}>
                <NativeSelect value={outcome} onChange={(e) => changeOutcome(e.target.value as OutcomeKind)}>
                  {OUTCOME_CHOICES.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </NativeSelect>
              </Field>
              {choice.window ? (
                <div className="grid grid-cols-2 gap-3">
                  <Field id="exp-window-start" label="Window from">
                    <Input type="time" value={windowStart} onChange={(e) => setWindowStart(e.target.value)} />
                  </Field>
                  <Field id="exp-window-end" label="to" error={windowOk ? null : "Must be after the start"}>
                    <Input type="time" value={windowEnd} onChange={(e) => setWindowEnd(e.target.value)} />
                  </Field>
                </div>
              ) : null}
              <Field
                id="exp-effect"
                label={`Smallest change you care about (${unitWord})`}
                hint="Smaller changes need more days to tell apart from ordinary day-to-day ups and downs."
              >
                <Input type="number" inputMode="decimal" min={0} step="any" value={effect} onChange={(e) => setEffect(e.target.value)} />
              </Field>
              <div className="space-y-1.5">
                <p className="text-sm font-medium text-slate-800">Days per block</p>
                <Segmented
                  label="Days per block"
                  value={block}
                  onChange={setBlock}
                  options={[
                    { value: "2", label: "2 days" },
                    { value: "3", label: "3 days" },
                  ]}
                />
                <p className="text-xs text-slate-500">
                  Longer blocks let a lingering effect settle; shorter ones give more pairs in the same time.
                </p>
              </div>
              <Field id="exp-days" label="Days (optional)" hint="Leave empty to use the days the plan says you need.">
                <Input type="number" inputMode="numeric" min={1} max={240} value={days} onChange={(e) => setDays(e.target.value)} />
              </Field>
              {submit.error ? <Alert variant="error">{submit.error}</Alert> : null}
              <Button type="submit" disabled={submit.busy} data-testid="create-experiment">
                {submit.busy ? "Starting…" : "Start the experiment"}
              </Button>
            </form>
          </CardContent>
        </Card>
        <Card className="h-fit">
          <CardHeader>
            <CardTitle>How many days?</CardTitle>
            <CardDescription>For an 80% chance to show the change, if it is real (5% false alarms).</CardDescription>
          </CardHeader>
          <CardContent>
            {!params ? <p className="text-sm text-slate-500">Fill in the change you care about to see the days needed.</p> : null}
            {params && plan.isPending ? <Skeleton className="h-24 w-full" label="Working out the days needed" /> : null}
            {plan.isError ? <Alert variant="error">{errorMessage(plan.error, { fieldLabels: FIELD_LABELS })}</Alert> : null}
            {params && plan.data ? <PlanPreview plan={plan.data} unit={plan.data.unit} /> : null}
          </CardContent>
        </Card>
      </div>
    </div>
  );
}
