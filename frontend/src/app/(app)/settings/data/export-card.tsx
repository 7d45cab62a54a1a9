"use client";
import { Download, Loader2 } from "lucide-react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useExportDownload } from "@/hooks/queries";
import type { ExportFormat } from "@/lib/api-types";
import { humanError } from "@/lib/errors";
import { formatBytes, userLocale } from "@/lib/imports";

const FORMATS: { format: ExportFormat; label: string }[] = [
  { format: "zip", label: "ZIP of CSV files" },
  { format: "json", label: "JSON" },
];

/** The two export buttons (also offered before deleting the account), each with its spinner. */
export function ExportButtons({ testId = "export" }: { testId?: string }) {
  const download = useExportDownload();
  const busy = download.isPending ? download.variables : null;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        {FORMATS.map(({ format, label }) => (
          <Button
            key={format}
            variant="secondary"
            onClick={() => download.mutate(format)}
            disabled={download.isPending}
            data-testid={`${testId}-${format}`}
            aria-busy={busy === format}
          >
            {busy === format ? <Loader2 aria-hidden className="animate-spin" /> : <Download aria-hidden />}
            {busy === format ? "Preparing…" : label}
          </Button>
        ))}
      </div>
      {download.isSuccess ? (
        <p className="text-sm text-green-800" role="status" data-testid={`${testId}-done`}>
          Downloaded {download.data.name} ({formatBytes(download.data.bytes, userLocale())}).
        </p>
      ) : null}
      {download.isError ? <Alert variant="error">{humanError(download.error)}</Alert> : null}
    </div>
  );
}

export function ExportCard() {
  return (
    <Card>
      <CardHeader>
        <CardTitle>Export everything</CardTitle>
        <CardDescription>
          All your data in one file: glucose, insulin, meals, sleep, activities, your profile and your insights, each row with the source it
          came from. Glucose is given in mg/dL and in your unit; times in UTC and in the local time they were recorded. The ZIP holds one
          CSV per kind, for spreadsheets; JSON holds the same in one document, for programs.
        </CardDescription>
      </CardHeader>
      <CardContent>
        <ExportButtons />
      </CardContent>
    </Card>
  );
}
