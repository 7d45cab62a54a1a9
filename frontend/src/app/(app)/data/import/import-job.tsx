"use client";
import { LayoutDashboard } from "lucide-react";
import Link from "next/link";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Skeleton } from "@/components/ui/skeleton";
import { useImportJob, useStartImport } from "@/hooks/queries";
import { alreadyImportedSentence, formatBytes, progressTotals } from "@/lib/imports";
import { humanError } from "@/lib/errors";
import { ImportSummary } from "./import-summary";
import { MappingStep, PreviewStep, WorkingStep } from "./import-steps";

/** Run a failed import again with the same file (the server keeps it until the job is forgotten). */
function RetryButton({ id }: { id: string }) {
  const start = useStartImport();
  return (
    <>
      <Button onClick={() => start.mutate({ id, body: {} })} disabled={start.isPending} data-testid="import-retry">
        {start.isPending ? "Starting…" : "Try again"}
      </Button>
      {start.isError ? <Alert variant="error">{humanError(start.error)}</Alert> : null}
    </>
  );
}

/** One import, at whatever step it is: preview, column mapping, progress, summary, or what went wrong. */
export function ImportJobPanel({
  id,
  zone,
  locale,
  onDone,
}: {
  id: string;
  zone: string;
  locale?: string;
  /** Back to the upload (after a cancel, or to import another file). */
  onDone: () => void;
}) {
  const query = useImportJob(id);
  if (query.isPending) return <Skeleton className="h-32" label="Loading the import" />;
  if (query.isError) return <QueryError error={query.error} onRetry={() => query.refetch()} title="Could not load this import" />;
  const job = query.data;

  const another = (
    <Button variant="secondary" onClick={onDone} data-testid="import-another">
      Import another file
    </Button>
  );
  const header = (
    <p className="text-xs text-slate-500">
      <span className="font-medium text-slate-700">{job.filename}</span> · {formatBytes(job.size_bytes, locale)}
      {job.format_label ? ` · ${job.format_label}` : ""}
    </p>
  );

  let body: React.ReactNode;
  if (job.already_imported) {
    body = (
      <div className="space-y-4">
        <Alert variant="info" title="Already imported">
          <span data-testid="import-already">{alreadyImportedSentence(job.previous_import_at ?? null, zone, locale)}</span>
        </Alert>
        {another}
      </div>
    );
  } else if (job.status === "awaiting_confirmation" && job.preview) {
    body = <PreviewStep job={job} preview={job.preview} userZone={zone} locale={locale} onCancelled={onDone} />;
  } else if (job.status === "needs_mapping") {
    body = <MappingStep job={job} onCancelled={onDone} />;
  } else if (job.status === "done") {
    body = (
      <div className="space-y-4">
        <ImportSummary job={job} locale={locale} />
        <div className="flex flex-wrap gap-2">
          <Button asChild>
            <Link href="/dashboard/">
              <LayoutDashboard aria-hidden /> Open the dashboard
            </Link>
          </Button>
          {another}
        </div>
      </div>
    );
  } else if (job.status === "failed") {
    body = (
      <div className="space-y-4">
        <Alert variant="error" title="This file could not be imported">
          <span data-testid="import-error">{job.error ?? "The import stopped with an error. Try again in a moment."}</span>
        </Alert>
        {progressTotals(job.progress).read > 0 ? <ImportSummary job={job} locale={locale} /> : null}
        <div className="flex flex-wrap gap-2">
          <RetryButton id={job.id} />
          {another}
        </div>
      </div>
    );
  } else if (job.status === "cancelled") {
    body = (
      <div className="space-y-4">
        <Alert variant="warning">This import was cancelled; nothing was added.</Alert>
        {another}
      </div>
    );
  } else {
    body = <WorkingStep job={job} locale={locale} />;
  }
  return (
    <div className="space-y-4" data-testid="import-job" data-status={job.status}>
      {header}
      {body}
    </div>
  );
}
