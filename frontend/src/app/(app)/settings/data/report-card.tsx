"use client";
import { FileText, Loader2 } from "lucide-react";
import { useState } from "react";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Progress } from "@/components/ui/progress";
import { Segmented } from "@/components/ui/segmented";
import { Skeleton } from "@/components/ui/skeleton";
import { isReportWorking, useCreateReport, useDownloadReport, useReports } from "@/hooks/queries";
import { useNow } from "@/hooks/use-now";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import type { ReportJob, ReportRequest } from "@/lib/api-types";
import { humanError } from "@/lib/errors";
import { localDate } from "@/lib/period";
import { formatBytes, userLocale } from "@/lib/imports";
import { formatDate, formatDateTime } from "@/lib/time";

type Choice = "14" | "30" | "90" | "dates";

/** A calendar date ("2026-03-01") in words, without shifting it through a time zone. */
function dayWords(date: string): string {
  return formatDate(`${date}T12:00:00Z`, "UTC");
}

function ReportRow({ job, zone }: { job: ReportJob; zone: string }) {
  const download = useDownloadReport();
  return (
    <li className="space-y-2 py-3" data-testid="report-row" data-status={job.status}>
      <div className="flex flex-wrap items-center justify-between gap-2">
        <div>
          <p className="text-sm font-medium text-slate-900">
            {dayWords(job.start)} – {dayWords(job.end)}
          </p>
          <p className="text-xs text-slate-500">Requested {formatDateTime(job.created_at, zone)}</p>
        </div>
        {job.status === "done" ? (
          <Button size="sm" onClick={() => download.mutate(job)} disabled={download.isPending} data-testid="report-download">
            {download.isPending ? <Loader2 aria-hidden className="animate-spin" /> : <FileText aria-hidden />} Download PDF
          </Button>
        ) : job.status === "failed" ? (
          <Badge variant="danger">Failed</Badge>
        ) : (
          <Badge variant="info">{job.status === "queued" ? "Queued" : "Making the report…"}</Badge>
        )}
      </div>
      {isReportWorking(job.status) && job.step ? <p className="text-xs text-slate-500">{job.step}</p> : null}
      {job.status === "done" && job.page_count ? (
        <p className="text-xs text-slate-500">
          {job.page_count} {job.page_count === 1 ? "page" : "pages"}
          {job.size_bytes ? ` · ${formatBytes(job.size_bytes, userLocale())}` : ""}
        </p>
      ) : null}

      {isReportWorking(job.status) ? <Progress value={job.progress * 100} label="Report progress" /> : null}
      {job.status === "failed" ? <p className="text-xs text-red-700">{job.error ?? "The report could not be made. Try again."}</p> : null}
      {download.isError ? <Alert variant="error">{humanError(download.error)}</Alert> : null}
    </li>
  );
}

/** The PDF report for a clinic visit: choose a period, the server makes it, then download. */
export function ReportCard() {
  const user = useUser();
  const now = useNow();
  const today = localDate(now, user.zone);
  const reports = useReports();
  const create = useCreateReport();
  const [choice, setChoice] = useState<Choice>("14");
  const [start, setStart] = useState("");
  const [end, setEnd] = useState(today);
  const { onSubmit, busy, error } = useSubmit({
    validate: () => {
      if (choice !== "dates") return true;
      if (!start || !end) return "Choose the first and the last day.";
      if (start > end) return "The first day must be before the last day.";
      if (end > today) return "The last day cannot be in the future.";
      return true;
    },
    run: () => {
      const period: ReportRequest = choice === "dates" ? { start, end } : { days: Number(choice) };
      return create.mutateAsync(period);
    },
  });
  const items = reports.data ?? [];

  return (
    <Card>
      <CardHeader>
        <CardTitle>PDF report</CardTitle>
        <CardDescription>
          A summary of your glucose over the period you choose, to print or send to your care team, in {user.unit} with times in {user.zone}
          . It is made in the background; it appears below when it is ready.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-5">
        <form onSubmit={onSubmit} className="space-y-4" data-testid="report-form">
          <Segmented<Choice>
            label="Report period"
            value={choice}
            onChange={setChoice}
            options={[
              { value: "14", label: "14 days" },
              { value: "30", label: "30 days" },
              { value: "90", label: "90 days" },
              { value: "dates", label: "Dates" },
            ]}
          />
          {choice === "dates" ? (
            <div className="grid max-w-md gap-4 sm:grid-cols-2">
              <Field id="report-start" label="First day">
                <Input type="date" max={today} value={start} onChange={(e) => setStart(e.target.value)} />
              </Field>
              <Field id="report-end" label="Last day">
                <Input type="date" max={today} value={end} onChange={(e) => setEnd(e.target.value)} />
              </Field>
            </div>
          ) : null}
          {error ? <Alert variant="error">{error}</Alert> : null}
          <Button type="submit" disabled={busy} data-testid="report-create">
            <FileText aria-hidden /> {busy ? "Requesting…" : "Make the report"}
          </Button>
        </form>
        <div>
          <h3 className="mb-1 text-sm font-medium text-slate-800">Recent reports</h3>
          {reports.isPending ? (
            <Skeleton className="h-16" label="Loading reports" />
          ) : reports.isError ? (
            <QueryError error={reports.error} onRetry={() => reports.refetch()} title="Could not load your reports" />
          ) : items.length === 0 ? (
            <p className="text-sm text-slate-500" data-testid="reports-empty">
              No reports yet.
            </p>
          ) : (
            <ul className="divide-y divide-slate-100" data-testid="reports-list">
              {items.map((job) => (
                <ReportRow key={job.id} job={job} zone={user.zone} />
              ))}
            </ul>
          )}
        </div>
      </CardContent>
    </Card>
  );
}
