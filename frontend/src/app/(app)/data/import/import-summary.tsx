"use client";
import type { ImportJob, ImportProgress } from "@/lib/api-types";
import { humanReason } from "@/lib/errors";
import { formatCount, progressRows, progressTotals, summarySentence, typeLabel } from "@/lib/imports";

/** Rows read, added, skipped as duplicates and rejected, per type (a running import and a finished one). */
export function ProgressTable({ progress, locale }: { progress: ImportProgress | null; locale?: string }) {
  const rows = progressRows(progress);
  if (rows.length === 0) return null;
  const cell = "px-2 py-1.5 text-right tabular-nums";
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-80 text-sm" data-testid="import-counts">
        <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th scope="col" className="px-2 py-1.5 text-left font-medium">
              Type
            </th>
            <th scope="col" className="px-2 py-1.5 text-right font-medium">
              Read
            </th>
            <th scope="col" className="px-2 py-1.5 text-right font-medium">
              Added
            </th>
            <th scope="col" className="px-2 py-1.5 text-right font-medium">
              Duplicates
            </th>
            <th scope="col" className="px-2 py-1.5 text-right font-medium">
              Rejected
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map(({ type, counts }) => (
            <tr key={type} data-testid={`import-counts-${type}`}>
              <th scope="row" className="px-2 py-1.5 text-left font-medium text-slate-800">
                {typeLabel(type)}
              </th>
              <td className={cell}>{formatCount(counts.read, locale)}</td>
              <td className={cell}>{formatCount(counts.inserted, locale)}</td>
              <td className={cell}>{formatCount(counts.duplicates, locale)}</td>
              <td className={`${cell} ${counts.rejected ? "text-red-700" : ""}`}>{formatCount(counts.rejected, locale)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The first rejected rows with their line and reason, folded away until asked for. */
export function RejectedRows({ job, locale }: { job: ImportJob; locale?: string }) {
  if (!job.rejected.length) return null;
  const more = job.rejected_total - job.rejected.length;
  return (
    <details className="rounded-lg border border-slate-200" data-testid="import-rejected">
      <summary className="cursor-pointer select-none px-3 py-2 text-sm font-medium text-slate-800">
        Rejected rows ({formatCount(job.rejected_total, locale)})
      </summary>
      <div className="max-h-72 overflow-auto border-t border-slate-200">
        <table className="w-full text-left text-xs">
          <thead className="sticky top-0 bg-white text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-1.5 font-medium">
                Line
              </th>
              <th scope="col" className="px-3 py-1.5 font-medium">
                Type
              </th>
              <th scope="col" className="px-3 py-1.5 font-medium">
                Reason
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {job.rejected.map((r, i) => (
              <tr key={`${r.line}-${i}`}>
                <td className="px-3 py-1.5 tabular-nums">{formatCount(r.line, locale)}</td>
                <td className="px-3 py-1.5">{r.type ? typeLabel(r.type) : "—"}</td>
                <td className="px-3 py-1.5">{humanReason(r.reason)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {more > 0 ? (
          <p className="px-3 py-2 text-xs text-slate-500">
            …and {formatCount(more, locale)} more. Only the first {formatCount(job.rejected.length, locale)} are kept.
          </p>
        ) : null}
      </div>
    </details>
  );
}

/** The end of an import: inserted, duplicates skipped, rejected, then the per-type table and the rejected rows. */
export function ImportSummary({ job, locale }: { job: ImportJob; locale?: string }) {
  const totals = progressTotals(job.progress);
  const rejected = Math.max(totals.rejected, job.rejected_total);
  const stats = [
    { label: "Added", value: totals.inserted, tone: "text-green-700", id: "import-inserted" },
    { label: "Duplicates skipped", value: totals.duplicates, tone: "text-slate-700", id: "import-duplicates" },
    { label: "Rejected", value: rejected, tone: rejected ? "text-red-700" : "text-slate-700", id: "import-rejected-total" },
  ];
  return (
    <div className="space-y-4" data-testid="import-summary" aria-live="polite">
      <p className="text-sm text-slate-700" data-testid="import-summary-sentence">
        {summarySentence(job, locale)}
      </p>
      <dl className="grid grid-cols-3 gap-2 text-center sm:gap-3">
        {stats.map((s) => (
          <div key={s.id} className="rounded-lg border border-slate-200 p-2 sm:p-3">
            <dt className="text-xs text-slate-500">{s.label}</dt>
            <dd className={`text-xl font-semibold tabular-nums sm:text-2xl ${s.tone}`} data-testid={s.id}>
              {formatCount(s.value, locale)}
            </dd>
          </div>
        ))}
      </dl>
      <ProgressTable progress={job.progress} locale={locale} />
      <RejectedRows job={job} locale={locale} />
    </div>
  );
}
