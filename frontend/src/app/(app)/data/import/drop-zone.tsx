"use client";
import { FileUp, UploadCloud } from "lucide-react";
import { useId, useRef, useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Progress } from "@/components/ui/progress";
import { useUploadImport } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import type { ImportJob } from "@/lib/api-types";
import { IMPORT_LIMIT_MB, formatBytes, formatFraction } from "@/lib/imports";
import { cn } from "@/lib/utils";

/**
 * Choose a file (drop it, or pick it) and upload it for a preview. Any file: the server tells
 * the format from the content, so the picker does not filter by extension.
 */
export function DropZone({ onUploaded, locale }: { onUploaded: (job: ImportJob) => void; locale?: string }) {
  const upload = useUploadImport();
  const input = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const [file, setFile] = useState<File | null>(null);
  const [over, setOver] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const { onSubmit, error } = useSubmit({
    validate: () => {
      if (!file) return "Choose a file first.";
      if (file.size > IMPORT_LIMIT_MB * 1024 * 1024)
        return `This file is ${formatBytes(file.size, locale)}; the limit is ${IMPORT_LIMIT_MB} MB. Export a shorter period, or zip the file.`;
      return true;
    },
    run: async () => {
      setProgress(0);
      try {
        onUploaded(await upload(file!, setProgress));
      } finally {
        setProgress(null);
      }
    },
  });

  function choose(files: FileList | null) {
    if (files?.[0]) setFile(files[0]);
  }

  const uploading = progress !== null;
  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="import-upload">
      <div
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          choose(e.dataTransfer.files);
        }}
        className={cn(
          "flex flex-col items-center gap-3 rounded-xl border-2 border-dashed px-4 py-8 text-center transition-colors",
          over ? "border-brand-600 bg-brand-50" : "border-slate-300 bg-slate-50",
        )}
        data-testid="drop-zone"
      >
        <UploadCloud className="size-10 text-brand-600" aria-hidden />
        <div className="space-y-1">
          <p className="text-sm font-medium text-slate-900">Drop an export file here</p>
          <p className="text-xs text-slate-500">
            Dexcom Clarity CSV, LibreView CSV, Apple Health export.zip or export.xml, Nightscout JSON, or a CSV with a time and a glucose
            column. Up to {IMPORT_LIMIT_MB} MB; zipped files are fine.
          </p>
        </div>
        <label htmlFor={inputId} className="sr-only">
          Export file
        </label>
        <input
          ref={input}
          id={inputId}
          type="file"
          className="sr-only"
          data-testid="import-file"
          onChange={(e) => choose(e.target.files)}
          disabled={uploading}
        />
        <Button variant="secondary" onClick={() => input.current?.click()} disabled={uploading}>
          Choose a file
        </Button>
        {file ? (
          <p className="text-sm text-slate-700" data-testid="import-chosen">
            <span className="font-medium">{file.name}</span> · {formatBytes(file.size, locale)}
          </p>
        ) : null}
      </div>
      <Button type="submit" disabled={!file || uploading} data-testid="import-upload-button">
        <FileUp aria-hidden /> {uploading ? "Uploading…" : "Upload and preview"}
      </Button>
      {uploading ? (
        <div className="space-y-1">
          <Progress value={(progress ?? 0) * 100} label="Upload progress" />
          <p className="text-xs text-slate-500" aria-live="polite">
            {progress !== null && progress >= 1
              ? "Uploaded. Reading the file…"
              : `Uploading ${formatFraction(progress ?? 0)} of ${formatBytes(file?.size ?? 0, locale)}`}
          </p>
        </div>
      ) : null}
      {error ? (
        <Alert variant="error" title="The file was not accepted">
          <span data-testid="import-upload-error">{error}</span>
        </Alert>
      ) : null}
    </form>
  );
}
