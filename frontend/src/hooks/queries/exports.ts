"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, errorFromBody, unwrap } from "@/lib/api";
import type { ExportFormat, ReportJob, ReportRequest } from "@/lib/api-types";
import { filenameFromDisposition, saveBlob } from "@/lib/download";

const POLL_MS = 1500;

/** A file answer's bytes and the name the server gives it, or its error as an ApiError. */
async function fileOf(call: Promise<{ data?: unknown; error?: unknown; response: Response }>, fallback: string) {
  const { data, error, response } = await call;
  if (!response.ok || !(data instanceof Blob)) throw errorFromBody(response.status, error ?? null);
  return { blob: data, name: filenameFromDisposition(response.headers.get("Content-Disposition"), fallback) };
}

/** Download everything (GET /export?format=zip|json) and hand it to the browser as a file. */
export function useExportDownload() {
  return useMutation({
    mutationFn: async (format: ExportFormat) => {
      const { blob, name } = await fileOf(
        api.GET("/api/v1/export", { params: { query: { format } }, parseAs: "blob" }),
        `glucolens-export.${format}`,
      );
      saveBlob(blob, name);
      return { name, bytes: blob.size };
    },
  });
}

export function isReportWorking(status: ReportJob["status"]): boolean {
  return status === "queued" || status === "running";
}

/** The recent PDF reports, newest first; polled while one is being made. */
export function useReports() {
  return useQuery({
    queryKey: ["reports"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/reports", { signal })),
    select: (page) => page.items,
    refetchInterval: (q) => (q.state.data?.items.some((r) => isReportWorking(r.status)) ? POLL_MS : false),
  });
}

/** POST /reports: the report is made in the background; the list polls until it is done. */
export function useCreateReport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (period: ReportRequest) => unwrap(api.POST("/api/v1/reports", { body: period })),
    onSuccess: (job) => {
      queryClient.setQueryData<{ items: ReportJob[] }>(["reports"], (page) => ({
        items: [job, ...(page?.items ?? []).filter((r) => r.id !== job.id)],
      }));
      void queryClient.invalidateQueries({ queryKey: ["reports"] });
    },
  });
}

/** Fetch a finished report's PDF and save it. */
export function useDownloadReport() {
  return useMutation({
    mutationFn: async (report: ReportJob) => {
      const { blob, name } = await fileOf(
        api.GET("/api/v1/reports/{report_id}/pdf", { params: { path: { report_id: report.id } }, parseAs: "blob" }),
        `glucolens-report-${report.start}-to-${report.end}.pdf`,
      );
      saveBlob(blob, name);
    },
  });
}
