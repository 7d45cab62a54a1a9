"use client";
import { Check, X } from "lucide-react";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useMarkDay, type Experiment, type ExperimentDay } from "@/hooks/queries/experiments";
import { calendarWeeks, formatDay, parseDay } from "@/lib/experiments";
import { cn, errorMessage } from "@/lib/utils";

const WEEKDAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];

function cellClass(day: ExperimentDay, selected: boolean): string {
  return cn(
    "relative flex h-11 flex-col items-center justify-center rounded-md text-xs font-medium",
    day.assignment === "intervention" ? "bg-brand-600 text-on-accent" : "border border-slate-300 bg-slate-100 text-slate-700",
    day.when === "future" || day.when === "after_end" ? "opacity-50" : "",
    day.when === "today" ? "ring-2 ring-offset-1 ring-amber-500" : "",
    selected ? "outline-2 outline-offset-2 outline-slate-900" : "",
  );
}

function Mark({ followed }: { followed: boolean | null }) {
  if (followed === null) return null;
  return followed ? <Check className="size-3" aria-label="followed" /> : <X className="size-3" aria-label="not followed" />;
}

/** One day's details and its adherence buttons (days up to today). */
export function DayPanel({ exp, day, unit }: { exp: Experiment; day: ExperimentDay; unit: string }) {
  const mark = useMarkDay(exp.id);
  const markable = (day.when === "past" || day.when === "today") && exp.status !== "stopped";
  const what = day.assignment === "intervention" ? `Intervention: ${exp.intervention}` : "Baseline: as usual, without the change";
  return (
    <div className="space-y-2 rounded-lg border border-slate-200 bg-white p-3 text-sm" data-testid="day-panel">
      <p className="font-medium text-slate-900">{formatDay(day.date)}</p>
      <p className="text-slate-700">{what}</p>
      <p className="text-slate-600">
        {day.outcome !== null && day.outcome !== undefined
          ? `${exp.outcome_label}: ${day.outcome} ${unit}`
          : day.when === "past"
            ? "No value: too little sensor data that day."
            : "The value appears once the day is over."}
      </p>
      {markable ? (
        <div className="flex flex-wrap gap-2" role="group" aria-label="Did you follow this day's plan?">
          <Button
            size="sm"
            variant={day.followed === true ? "default" : "secondary"}
            aria-pressed={day.followed === true}
            disabled={mark.isPending}
            onClick={() => mark.mutate({ day: day.date, followed: day.followed === true ? null : true })}
          >
            <Check aria-hidden /> Followed
          </Button>
          <Button
            size="sm"
            variant={day.followed === false ? "default" : "secondary"}
            aria-pressed={day.followed === false}
            disabled={mark.isPending}
            onClick={() => mark.mutate({ day: day.date, followed: day.followed === false ? null : false })}
          >
            <X aria-hidden /> Not followed
          </Button>
        </div>
      ) : null}
      {mark.isError ? <Alert variant="error">{errorMessage(mark.error)}</Alert> : null}
    </div>
  );
}

export function ExperimentCalendar({ exp }: { exp: Experiment }) {
  const today = exp.days.find((d) => d.when === "today");
  const [selected, setSelected] = useState<string | null>(today?.date ?? null);
  const weeks = calendarWeeks(exp.days);
  const day = exp.days.find((d) => d.date === selected) ?? null;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-3 text-xs text-slate-600" aria-hidden>
        <span className="inline-flex items-center gap-1">
          <span className="size-3 rounded-sm bg-brand-600" /> Intervention
        </span>
        <span className="inline-flex items-center gap-1">
          <span className="size-3 rounded-sm border border-slate-300 bg-slate-100" /> Baseline
        </span>
        <span className="inline-flex items-center gap-1">
          <span className="size-3 rounded-sm ring-2 ring-amber-500" /> Today
        </span>
      </div>
      <table className="w-full table-fixed border-separate border-spacing-1" data-testid="experiment-calendar">
        <thead>
          <tr>
            {WEEKDAYS.map((w) => (
              <th key={w} scope="col" className="text-xs font-medium text-slate-500">
                {w}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, i) => (
            <tr key={i}>
              {week.map((d, j) => (
                <td key={j} className="p-0">
                  {d ? (
                    <button
                      type="button"
                      className={cn(cellClass(d, d.date === selected), "w-full")}
                      onClick={() => setSelected(d.date)}
                      aria-label={`${formatDay(d.date)}, ${d.assignment}${d.followed === false ? ", not followed" : d.followed ? ", followed" : ""}`}
                      data-assignment={d.assignment}
                    >
                      <span>{parseDay(d.date).getUTCDate()}</span>
                      <Mark followed={d.followed} />
                    </button>
                  ) : null}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {day ? <DayPanel exp={exp} day={day} unit={exp.unit} /> : <p className="text-xs text-slate-500">Tap a day to see it or mark it.</p>}
    </div>
  );
}
