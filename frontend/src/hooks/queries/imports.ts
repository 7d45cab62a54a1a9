"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, uploadWithProgress } from "@/lib/api";
import type { ImportJob, ImportStart } from "@/lib/api-types";
import { isWorking } from "@/lib/imports";

const POLL_MS = 1000;

/** The past imports, newest first; polled while one of them is still being worked on. */
export function useImports() {
  return useQuery({
    queryKey: ["imports"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/imports", { signal })),
    select: (page) => page.items,
    refetchInterval: (q) => (q.state.data?.items.some((j) => isWorking(j.status)) ? POLL_MS * 3 : false),
  });
}

/** One import job, polled while the server works on it (previewing, queued, running). */
export function useImportJob(id: string | null) {
  const queryClient = useQueryClient();
  return useQuery({
    queryKey: ["imports", id],
    enabled: Boolean(id),
    queryFn: async ({ signal }) => {
      const before = queryClient.getQueryData<ImportJob>(["imports", id]);
      const job = await unwrap(api.GET("/api/v1/imports/{job_id}", { params: { path: { job_id: id! } }, signal }));
      // An import that just finished changed the account's data: everything that shows it refetches.
      if (job.status === "done" && before?.status !== "done")
        void queryClient.invalidateQueries({ predicate: (q) => q.queryKey[0] !== "imports" });
      if (job.status !== before?.status) void queryClient.invalidateQueries({ queryKey: ["imports"], exact: true });
      return job;
    },
    refetchInterval: (q) => (q.state.data && isWorking(q.state.data.status) ? POLL_MS : false),
  });
}

/**
 * Upload a file for a previewed import (POST /imports?preview=true, multipart, through
 * XMLHttpRequest so `onProgress` sees the upload). The server detects the format from the content.
 */
export function useUploadImport() {
  const queryClient = useQueryClient();
  return async (file: File, onProgress: (fraction: number) => void) => {
    const form = new FormData();
    form.append("file", file);
    const job = await uploadWithProgress("/api/v1/imports", form, onProgress, { preview: true });
    queryClient.setQueryData(["imports", job.id], job);
    void queryClient.invalidateQueries({ queryKey: ["imports"], exact: true });
    return job;
  };
}

/** What a start may change: the time zone, or the CSV columns and unit. */
export type ImportStartOptions = ImportStart;

/** Confirm a preview (with a changed time zone) or a column mapping, or retry a failed import: POST /imports/{id}/start. */
export function useStartImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: string; body: ImportStartOptions }) =>
      unwrap(api.POST("/api/v1/imports/{job_id}/start", { params: { path: { job_id: id } }, body })),
    onSuccess: (job) => {
      queryClient.setQueryData(["imports", job.id], job);
      void queryClient.invalidateQueries({ queryKey: ["imports"], exact: true });
    },
  });
}

/** Cancel a job that is not importing yet, or stop a running one (DELETE /imports/{id}). */
export function useCancelImport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE("/api/v1/imports/{job_id}", { params: { path: { job_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ["imports"] }),
  });
}
