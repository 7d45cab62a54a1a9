"use client";
import { CalendarRange, ChevronLeft, ChevronRight } from "lucide-react";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Segmented } from "@/components/ui/segmented";
import {
  canGoBack,
  canGoForward,
  isPreset,
  MAX_PERIOD_DAYS,
  PERIOD_PRESETS,
  periodFromRange,
  periodLabel,
  periodStart,
  shiftPeriod,
  type Period,
} from "@/lib/period";

function CustomRange({
  period,
  today,
  firstDay,
  onApply,
}: {
  period: Period;
  today: string;
  firstDay: string | null;
  onApply: (p: Period) => void;
}) {
  const [open, setOpen] = useState(false);
  const [start, setStart] = useState(periodStart(period));
  const [end, setEnd] = useState(period.end);
  const [error, setError] = useState<string | null>(null);

  function openWith(next: boolean) {
    if (next) {
      setStart(periodStart(period));
      setEnd(period.end);
      setError(null);
    }
    setOpen(next);
  }

  function apply(e: React.FormEvent) {
    e.preventDefault();
    const result = periodFromRange(start, end, today);
    if (typeof result === "string") return setError(result);
    onApply(result);
    setOpen(false);
  }

  return (
    <Dialog open={open} onOpenChange={openWith}>
      <Button variant="secondary" size="sm" onClick={() => openWith(true)} data-testid="period-custom">
        <CalendarRange aria-hidden /> Custom
      </Button>
      {open ? (
        <DialogContent title="Choose a period" description={`Up to ${MAX_PERIOD_DAYS} days; both dates are included.`}>
          <form onSubmit={apply} className="space-y-4" noValidate>
            <div className="grid gap-4 sm:grid-cols-2">
              <Field id="period-start" label="From">
                <Input type="date" value={start} min={firstDay ?? undefined} max={today} onChange={(e) => setStart(e.target.value)} />
              </Field>
              <Field id="period-end" label="To">
                <Input type="date" value={end} min={firstDay ?? undefined} max={today} onChange={(e) => setEnd(e.target.value)} />
              </Field>
            </div>
            {error ? <Alert variant="error">{error}</Alert> : null}
            <Button type="submit">Show this period</Button>
          </form>
        </DialogContent>
      ) : null}
    </Dialog>
  );
}

/** Presets, previous/next period and a custom range for the whole dashboard. */
export function PeriodControl({
  period,
  today,
  firstDay,
  onChange,
}: {
  period: Period;
  today: string;
  firstDay: string | null;
  onChange: (p: Period) => void;
}) {
  return (
    <div className="flex flex-wrap items-center gap-2" data-testid="period-control">
      <div className="flex items-center gap-1">
        <Button
          variant="ghost"
          size="icon"
          aria-label="Previous period"
          disabled={!canGoBack(period, firstDay)}
          onClick={() => onChange(shiftPeriod(period, -1, today))}
          data-testid="period-prev"
        >
          <ChevronLeft aria-hidden />
        </Button>
        <Segmented
          label="Period length"
          value={isPreset(period.days) ? String(period.days) : "custom"}
          onChange={(v) => onChange({ end: period.end, days: Number(v) })}
          options={PERIOD_PRESETS.map((d) => {
            const name = d === 1 ? "1 day" : `${d} days`;
            // "14 d" on phones so the five presets fit on one line at 390 px.
            return {
              value: String(d),
              ariaLabel: name,
              label: (
                <>
                  <span className="sm:hidden">{d} d</span>
                  <span className="hidden sm:inline">{name}</span>
                </>
              ),
            };
          })}
        />
        <Button
          variant="ghost"
          size="icon"
          aria-label="Next period"
          disabled={!canGoForward(period, today)}
          onClick={() => onChange(shiftPeriod(period, 1, today))}
          data-testid="period-next"
        >
          <ChevronRight aria-hidden />
        </Button>
      </div>
      <CustomRange period={period} today={today} firstDay={firstDay} onApply={onChange} />
      <p className="text-sm font-medium text-slate-700" aria-live="polite" data-testid="period-label">
        {periodLabel(period)}
      </p>
    </div>
  );
}
