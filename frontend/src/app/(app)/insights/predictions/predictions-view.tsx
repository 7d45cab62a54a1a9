"use client";
import { AlertTriangle, ShieldCheck } from "lucide-react";
import dynamic from "next/dynamic";
import { InsightCard, InsightPage } from "@/components/insight-page";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Skeleton } from "@/components/ui/skeleton";
import { useSeries } from "@/hooks/queries";
import { useNow } from "@/hooks/use-now";
import { useUser } from "@/hooks/use-user";
import { formatDateTime } from "@/lib/time";
import type { PredictionsData } from "@/lib/insight-payloads";
import type { Unit } from "@/lib/units";
import { formatGlucose, mgdlToUnit } from "@/lib/units";
import { buildForecastRows, toUserUnit } from "./forecast-data";
import { lowBanner, type LowBanner } from "./low-banner";

const ForecastChart = dynamic(() => import("./forecast-chart"), {
  ssr: false,
  loading: () => <Skeleton className="h-80 w-full" label="Loading chart" />,
});

function LowAlert({ banner }: { banner: LowBanner }) {
  const Icon = banner.tone === "clear" ? ShieldCheck : AlertTriangle;
  return (
    <Alert
      variant={banner.tone === "clear" ? "success" : banner.tone === "expected" ? "error" : "warning"}
      title={banner.title}
      className={banner.tone === "possible" ? "border-amber-300" : undefined}
    >
      <span className="inline-flex items-start gap-1" data-testid="low-banner">
        <Icon className="mt-0.5 size-4 shrink-0" aria-hidden /> {banner.body}
      </span>
    </Alert>
  );
}

function Forecast({ pred: raw }: { pred: PredictionsData }) {
  const user = useUser();
  const unit: Unit = user.unit;
  const pred = toUserUnit(raw, unit);
  const last = Date.parse(pred.last_reading_at);
  // The three hours before the last reading; strings derived from it keep the query key stable.
  const recent = useSeries(new Date(last - 3 * 3600000).toISOString(), new Date(last + 60000).toISOString(), 200);
  const low = mgdlToUnit(user.target_low_mgdl, unit);
  const high = mgdlToUnit(user.target_high_mgdl, unit);
  const now = useNow();
  const ageMin = Math.round((now - last) / 60000);
  const summary = pred.horizons
    .map((h) => `in ${h.minutes} min ${formatGlucose(h.value, unit)} (80%: ${formatGlucose(h.lo80, unit)}–${formatGlucose(h.hi80, unit)})`)
    .join("; ");

  return (
    <div className="space-y-4">
      <LowAlert banner={lowBanner(raw, unit, user.zone)} />
      <div className="grid gap-4 sm:grid-cols-3">
        <div className="rounded-lg border border-slate-200 p-4">
          <p className="text-xs text-slate-500">Last reading</p>
          <p className="text-2xl font-semibold">
            {formatGlucose(pred.last_value, unit)} <span className="text-sm font-normal text-slate-500">{unit}</span>
          </p>
          <p className="text-xs text-slate-500">
            {formatDateTime(pred.last_reading_at, user.zone)}
            {ageMin > 30 ? ` · ${ageMin > 1440 ? `${Math.round(ageMin / 1440)} days` : `${ageMin} min`} ago` : ""}
          </p>
        </div>
        {[...pred.horizons]
          .sort((a, b) => a.minutes - b.minutes)
          .slice(0, 2)
          .map((h) => (
            <div key={h.minutes} className="rounded-lg border border-slate-200 p-4" data-testid={`horizon-${h.minutes}`}>
              <p className="text-xs text-slate-500">In {h.minutes} minutes</p>
              <p className="text-2xl font-semibold">
                {formatGlucose(h.value, unit)} <span className="text-sm font-normal text-slate-500">{unit}</span>
              </p>
              <p className="text-xs text-slate-500">
                80%: {formatGlucose(h.lo80, unit)}–{formatGlucose(h.hi80, unit)} · 95%: {formatGlucose(h.lo95, unit)}–
                {formatGlucose(h.hi95, unit)}
              </p>
            </div>
          ))}
      </div>
      {ageMin > 60 ? (
        <Alert variant="info">The latest reading is more than an hour old, so this forecast describes what was expected back then.</Alert>
      ) : null}
      <figure aria-label={`Glucose forecast. ${summary}`}>
        {recent.isPending ? (
          <Skeleton className="h-80 w-full" label="Loading recent readings" />
        ) : recent.isError ? (
          <QueryError error={recent.error} onRetry={() => recent.refetch()} />
        ) : (
          <ForecastChart
            rows={buildForecastRows(recent.data.points, pred)}
            unit={unit}
            zone={user.zone}
            targetLow={low}
            targetHigh={high}
            lastReadingMs={last}
          />
        )}
        <figcaption className="mt-2 text-xs text-slate-500">
          Solid: measured. Dashed: forecast with 80% (darker) and 95% (lighter) intervals. Forecast {summary}.
        </figcaption>
      </figure>
    </div>
  );
}

export function PredictionsView() {
  return (
    <InsightPage title="Predictions" description="A short-term forecast from your recent readings. It is an estimate, not a measurement.">
      <InsightCard<PredictionsData> kind="predictions" title="Next hour" description="30 and 60 minute forecasts with uncertainty bands.">
        {(data) => <Forecast pred={data} />}
      </InsightCard>
    </InsightPage>
  );
}
