"use client";
import { AlertTriangle } from "lucide-react";
import { useMealInsights, useMealResponse, type MealResponse } from "@/hooks/queries/meal-responses";
import { confidenceText, formatIauc, formatMinutes, formatRise } from "@/lib/meal-response";
import { asUnit, type Unit } from "@/lib/units";

/** Meals of the last RECENT_DAYS come from one list request; older ones (after "Load more") one by one. */
export const RECENT_DAYS = 30;

export function ResponseSummary({ r, unit }: { r: MealResponse; unit: Unit }) {
  if (r.peak_rise === null) {
    return (
      <span className="text-xs text-slate-500" title={confidenceText(r)}>
        No response: {r.reasons.includes("no_trace") ? "no readings after" : "no readings before"}
      </span>
    );
  }
  const low = r.confidence === "low";
  return (
    <span
      className="inline-flex flex-wrap items-center gap-x-1.5 whitespace-nowrap"
      title={confidenceText(r)}
      data-testid={`meal-response-${r.meal_id}`}
    >
      <span className="font-medium">{formatRise(r.peak_rise, unit)}</span>
      <span className="text-xs text-slate-500">at {formatMinutes(r.time_to_peak_min)}</span>
      <span className="hidden text-xs text-slate-500 lg:inline">· iAUC {formatIauc(r.iauc, unit)}</span>
      {low ? (
        <span className="inline-flex items-center gap-0.5 text-xs text-amber-700">
          <AlertTriangle className="size-3" aria-hidden />
          <span className="sr-only sm:not-sr-only">low confidence</span>
        </span>
      ) : null}
    </span>
  );
}

/** The glucose response of one row of the meals table (rise, time of peak, iAUC, confidence). */
export function MealResponseCell({ id }: { id: number }) {
  const list = useMealInsights(RECENT_DAYS);
  const fromList = list.data?.meals.find((m) => m.meal_id === id);
  // Not in the list: older than its window (or logged since), so ask for this meal alone.
  const single = useMealResponse(id, list.isSuccess && !fromList);
  const r = fromList ?? single.data?.response;
  const unit = asUnit(list.data?.unit ?? single.data?.unit ?? "mg/dL");
  if (r) return <ResponseSummary r={r} unit={unit} />;
  if (list.isError || single.isError) return <span className="text-xs text-slate-500">—</span>;
  return <span className="text-xs text-slate-400">…</span>;
}
