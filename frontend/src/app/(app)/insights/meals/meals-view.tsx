"use client";
import Link from "next/link";
import { useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { QueryError } from "@/components/query-state";
import { Badge } from "@/components/ui/badge";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import { useMealInsights, useMealResponse, type MealInsights, type MealResponse } from "@/hooks/queries/meal-responses";
import { useUser } from "@/hooks/use-user";
import {
  backToBaseline,
  comparisonVerdict,
  confidenceText,
  dimensionLabel,
  foodLabel,
  formatIauc,
  formatMinutes,
  formatRise,
  reasonLabel,
  type Reason,
} from "@/lib/meal-response";
import { formatDateTime } from "@/lib/time";
import { asUnit, formatGlucose, type Unit } from "@/lib/units";
import { MealTrace } from "./meal-trace";

const PERIODS = ["14", "30", "90", "180"] as const;
type PeriodKey = (typeof PERIODS)[number];
const TOP = 10;

function mealName(m: MealResponse): string {
  if (m.food) return foodLabel(m.food);
  if (m.meal_type) return foodLabel(m.meal_type);
  return m.carbs_g !== null ? `${Math.round(m.carbs_g)} g carbohydrate` : "Meal";
}

function LeftOut({ data }: { data: MealInsights }) {
  const low = data.meals.filter((m) => m.confidence === "low");
  if (low.length === 0) return null;
  const counts = new Map<Reason, number>();
  for (const m of low) for (const r of m.reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return (
    <p className="text-xs text-slate-500" data-testid="left-out">
      {low.length} of {data.n_meals} meals are low confidence and not ranked or compared:{" "}
      {[...counts].map(([r, n]) => `${reasonLabel(r)} (${n})`).join(", ")}.
    </p>
  );
}

function MealDetail({ id, unit, zone }: { id: number; unit: Unit; zone: string }) {
  const q = useMealResponse(id);
  if (q.isPending) return <Skeleton className="h-32" label="Loading the meal's trace" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} />;
  const r = q.data.response;
  return (
    <div className="space-y-2 rounded-lg border border-slate-200 p-3" data-testid="meal-detail">
      <p className="text-sm font-medium text-slate-900">
        {mealName(r)} · {formatDateTime(r.timestamp, zone)}
      </p>
      <MealTrace points={q.data.trace} baseline={r.baseline} unit={unit} />
      <p className="text-xs text-slate-600">
        Baseline {formatGlucose(r.baseline, unit, true)}, rise {formatRise(r.peak_rise, unit)} at {formatMinutes(r.time_to_peak_min)}, iAUC{" "}
        {formatIauc(r.iauc, unit)}, back to baseline {backToBaseline(r)}. {confidenceText(r)}
      </p>
    </div>
  );
}

function RankedMeals({ data, unit, zone }: { data: MealInsights; unit: Unit; zone: string }) {
  const [selected, setSelected] = useState<number | null>(null);
  const byId = new Map(data.meals.map((m) => [m.meal_id, m]));
  const ranked = data.ranked_meal_ids.slice(0, TOP).flatMap((id) => byId.get(id) ?? []);
  if (ranked.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
        None of these meals has a clear response yet: each needs readings from 30 minutes before to 2 hours after, and no other meal within
        2 hours.
      </p>
    );
  }
  return (
    <div className="space-y-3">
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="ranked-meals">
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-2 py-2 font-medium">
                Meal
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Rise
              </th>
              <th scope="col" className="hidden px-2 py-2 font-medium sm:table-cell">
                Peak after
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                iAUC 2 h
              </th>
              <th scope="col" className="hidden px-2 py-2 font-medium md:table-cell">
                Back to baseline
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {ranked.map((m) => (
              <tr key={m.meal_id}>
                <td className="px-2 py-2">
                  <button
                    type="button"
                    className="text-left font-medium text-brand-700 underline-offset-2 hover:underline"
                    aria-expanded={selected === m.meal_id}
                    onClick={() => setSelected(selected === m.meal_id ? null : m.meal_id)}
                  >
                    {mealName(m)}
                  </button>
                  <span className="block text-xs text-slate-500">{formatDateTime(m.timestamp, zone)}</span>
                </td>
                <td className="whitespace-nowrap px-2 py-2">{formatRise(m.peak_rise, unit)}</td>
                <td className="hidden px-2 py-2 sm:table-cell">{formatMinutes(m.time_to_peak_min)}</td>
                <td className="whitespace-nowrap px-2 py-2">{formatIauc(m.iauc, unit, false)}</td>
                <td className="hidden px-2 py-2 md:table-cell">{backToBaseline(m)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {selected !== null ? (
        <MealDetail id={selected} unit={unit} zone={zone} />
      ) : (
        <p className="text-xs text-slate-500">Choose a meal to see its trace.</p>
      )}
    </div>
  );
}

function Foods({ data, unit }: { data: MealInsights; unit: Unit }) {
  if (data.foods.length === 0) {
    return (
      <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
        No food recurs yet. A food is ranked once it has {data.thresholds.min_food_meals} high-confidence meals with the same description
        (case and spacing do not matter).
      </p>
    );
  }
  return (
    <div className="space-y-2">
      {data.foods_status === "too_few" ? (
        <p className="text-xs text-slate-500">Only one food recurs so far; a ranking needs two or more.</p>
      ) : null}
      <div className="overflow-x-auto">
        <table className="w-full text-left text-sm" data-testid="ranked-foods">
          <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-2 py-2 font-medium">
                Food
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Meals
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Median rise
              </th>
              <th scope="col" className="hidden px-2 py-2 font-medium sm:table-cell">
                Median peak after
              </th>
              <th scope="col" className="px-2 py-2 font-medium">
                Median iAUC
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {data.foods.map((f) => (
              <tr key={f.food}>
                <td className="px-2 py-2 font-medium">{foodLabel(f.food)}</td>
                <td className="px-2 py-2">
                  {f.n}
                  {f.n_low_confidence ? <span className="text-xs text-slate-500"> (+{f.n_low_confidence} not counted)</span> : null}
                </td>
                <td className="whitespace-nowrap px-2 py-2">{formatRise(f.median_peak_rise, unit)}</td>
                <td className="hidden px-2 py-2 sm:table-cell">{formatMinutes(f.median_time_to_peak_min)}</td>
                <td className="whitespace-nowrap px-2 py-2">{formatIauc(f.median_iauc, unit, false)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Comparisons({ data, unit }: { data: MealInsights; unit: Unit }) {
  return (
    <div className="grid gap-4 md:grid-cols-3">
      {data.comparisons.map((c) => (
        <div key={c.dimension} className="space-y-2 rounded-lg border border-slate-200 p-3" data-testid={`comparison-${c.dimension}`}>
          <p className="text-sm font-medium text-slate-900">{dimensionLabel(c.dimension)}</p>
          {c.groups.length ? (
            <ul className="space-y-1 text-xs text-slate-600">
              {c.groups.map((g) => (
                <li key={g.key} className="flex justify-between gap-2">
                  <span>
                    {g.label} <span className="text-slate-400">· {g.n}</span>
                  </span>
                  <span className="whitespace-nowrap">{g.n ? formatRise(g.median_peak_rise, unit) : "—"}</span>
                </li>
              ))}
            </ul>
          ) : null}
          <p className="text-xs text-slate-700">{comparisonVerdict(c, data.thresholds, unit)}</p>
        </div>
      ))}
    </div>
  );
}

export function MealsInsightView() {
  const user = useUser();
  const [period, setPeriod] = useState<PeriodKey>("30");
  const q = useMealInsights(Number(period));
  const unit = asUnit(q.data?.unit ?? user.unit);
  const picker = (
    <Segmented
      label="Period"
      value={period}
      onChange={setPeriod}
      options={PERIODS.map((p) => ({ value: p, label: `${p} d`, ariaLabel: `Last ${p} days` }))}
    />
  );
  return (
    <div className="space-y-6">
      <PageHeader
        title="Meal responses"
        description="What each meal did to your glucose: the rise above where you started, when it peaked, the area above baseline over 2 hours (iAUC) and when you were back."
        actions={picker}
      />
      {q.isPending ? (
        <div className="space-y-3">
          <Skeleton className="h-24" label="Loading meal responses" />
          <Skeleton className="h-48" />
        </div>
      ) : q.isError ? (
        <QueryError error={q.error} onRetry={() => q.refetch()} />
      ) : q.data.n_meals === 0 ? (
        <Card>
          <CardContent className="space-y-2 p-6 text-center text-sm text-slate-600" data-testid="meals-empty">
            <p>No meals logged in the last {period} days.</p>
            <p>
              Log meals under{" "}
              <Link href="/data/meals/" className="font-medium text-brand-700 underline">
                Data → Meals
              </Link>{" "}
              (a short description such as “oats with milk” lets recurring foods be compared), or import them with your glucose data.
            </p>
          </CardContent>
        </Card>
      ) : (
        <>
          <p className="text-sm text-slate-600" data-testid="meals-summary">
            {q.data.n_meals} meals, {q.data.n_measured} with readings around them,{" "}
            <Badge variant={q.data.n_high_confidence ? "success" : "warning"}>{q.data.n_high_confidence} high confidence</Badge>
          </p>
          <LeftOut data={q.data} />
          <Card>
            <CardHeader>
              <CardTitle>Meals that raised glucose most</CardTitle>
              <CardDescription>High-confidence meals by 2-hour iAUC ({unit}·min), largest first.</CardDescription>
            </CardHeader>
            <CardContent>
              <RankedMeals data={q.data} unit={unit} zone={user.zone} />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Recurring foods</CardTitle>
              <CardDescription>Foods you logged more than once, by their median response.</CardDescription>
            </CardHeader>
            <CardContent>
              <Foods data={q.data} unit={unit} />
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>When and after what</CardTitle>
              <CardDescription>
                Median rise by time of day ({user.zone}), after short sleep, and after activity in the {q.data.thresholds.active_before_h}{" "}
                hours before.
              </CardDescription>
            </CardHeader>
            <CardContent>
              <Comparisons data={q.data} unit={unit} />
            </CardContent>
          </Card>
        </>
      )}
    </div>
  );
}
