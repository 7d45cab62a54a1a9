"use client";
import { FileUp } from "lucide-react";
import { useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Progress } from "@/components/ui/progress";
import { useCsvImport } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import type { BulkReport } from "@/lib/api-types";
import { humanReason } from "@/lib/errors";

export function ImportReport({ report }: { report: BulkReport }) {
  return (
    <div className="space-y-3" data-testid="import-report" aria-live="polite">
      <dl className="grid grid-cols-3 gap-3 text-center">
        {[
          { label: "Inserted", value: report.inserted, tone: "text-green-700", id: "report-inserted" },
          { label: "Duplicates", value: report.duplicates, tone: "text-slate-700", id: "report-duplicates" },
          {
            label: "Rejected",
            value: report.rejected.length,
            tone: report.rejected.length ? "text-red-700" : "text-slate-700",
            id: "report-rejected",
          },
        ].map((s) => (
          <div key={s.label} className="rounded-lg border border-slate-200 p-3">
            <dt className="text-xs text-slate-500">{s.label}</dt>
            <dd className={`text-2xl font-semibold ${s.tone}`} data-testid={s.id}>
              {s.value.toLocaleString("en")}
            </dd>
          </div>
        ))}
      </dl>
      {report.rejected.length > 0 ? (
        <div>
          <p className="mb-1 text-sm font-medium text-slate-700">Rejected rows</p>
          <ul className="max-h-48 space-y-1 overflow-y-auto rounded-md border border-slate-200 p-2 text-xs">
            {report.rejected.slice(0, 200).map((r, i) => (
              <li key={`${r.index}-${i}`}>
                <span className="font-medium">Line {r.index}</span>
                {r.field ? <span className="text-slate-500"> · {r.field}</span> : null}: {humanReason(r.reason)}
              </li>
            ))}
            {report.rejected.length > 200 ? <li className="text-slate-500">…and {report.rejected.length - 200} more</li> : null}
          </ul>
        </div>
      ) : null}
    </div>
  );
}

export function CsvUpload() {
  const upload = useCsvImport();
  const input = useRef<HTMLInputElement>(null);
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [report, setReport] = useState<BulkReport | null>(null);
  const { onSubmit: onUpload, error } = useSubmit({
    validate: () => file !== null || "Choose a CSV file first.",
    run: async () => {
      setReport(null);
      setProgress(0);
      try {
        setReport(await upload(file!, setProgress));
      } finally {
        setProgress(null);
      }
    },
  });

  const uploading = progress !== null;
  return (
    <form onSubmit={onUpload} className="space-y-4">
      <div className="space-y-1.5">
        <Label htmlFor="csv-file">CSV file</Label>
        <input
          ref={input}
          id="csv-file"
          type="file"
          accept=".csv,text/csv"
          aria-describedby="csv-hint"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            setReport(null);
          }}
          className="block w-full text-sm text-slate-700 file:mr-3 file:rounded-md file:border-0 file:bg-brand-50 file:px-3 file:py-2 file:text-sm file:font-medium file:text-brand-800 hover:file:bg-brand-100"
        />
        <p id="csv-hint" className="text-xs text-slate-500">
          Columns <code>timestamp,value[,unit]</code>; timestamps with an offset or Z, e.g. <code>2026-03-29T01:30:00+01:00,112,mg/dL</code>
          . Rows already imported are skipped as duplicates.
        </p>
      </div>
      <Button type="submit" disabled={!file || uploading}>
        <FileUp aria-hidden /> {uploading ? "Uploading…" : "Upload CSV"}
      </Button>
      {uploading ? (
        <div className="space-y-1">
          <Progress value={(progress ?? 0) * 100} label="Upload progress" />
          <p className="text-xs text-slate-500" aria-live="polite">
            {progress !== null && progress >= 1 ? "Processing on the server…" : `Uploading ${Math.round((progress ?? 0) * 100)}%`}
          </p>
        </div>
      ) : null}
      {error ? <Alert variant="error">{error}</Alert> : null}
      {report ? <ImportReport report={report} /> : null}
    </form>
  );
}
