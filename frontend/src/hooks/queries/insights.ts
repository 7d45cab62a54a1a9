"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { api, unwrap } from "@/lib/api";
import type { Job } from "@/lib/api-types";
import type { Insight } from "@/lib/insight-payloads";

const POLL_MS = 1500;

/** The insight endpoints under /api/v1/insights/. */
export type InsightKind = "correlations" | "causal-graph" | "recurring-patterns" | "anomalies" | "predictions";

/** Poll a background job until it is done or failed; calls `onFinished` once when it ends. */
export function useJob(jobId: string | null, onFinished: (job: Job) => void) {
  const query = useQuery({
    queryKey: ["insight-job", jobId],
    enabled: Boolean(jobId),
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/insights/jobs/{job_id}", { params: { path: { job_id: jobId! } }, signal })),
    refetchInterval: (q) => {
      const s = q.state.data?.status;
      return s === "done" || s === "failed" ? false : POLL_MS;
    },
    staleTime: 0,
    gcTime: 0,
  });
  const status = query.data?.status;
  useEffect(() => {
    if (query.data && (status === "done" || status === "failed")) onFinished(query.data);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- fire once per terminal status
  }, [status, query.data?.id]);
  return query;
}

export function jobPercent(job: Job | undefined): number | null {
  if (!job || job.progress === null || job.progress === undefined) return null;
  return job.progress <= 1 ? job.progress * 100 : job.progress;
}

/**
 * Fetch an insight. `pending` answers (HTTP 202) carry a job id that we poll, then refetch.
 * `T` is what the view reads from `data` (src/lib/insight-payloads.ts: the schema leaves it open).
 */
export function useInsight<T>(kind: InsightKind) {
  const queryClient = useQueryClient();
  const insight = useQuery({
    queryKey: ["insights", kind],
    queryFn: async ({ signal }) => (await unwrap(api.GET(`/api/v1/insights/${kind}`, { signal }))) as Insight<T>,
    // A pending answer without a job id still needs to be polled.
    refetchInterval: (q) => (q.state.data?.status === "pending" && !q.state.data.job_id ? POLL_MS * 2 : false),
  });
  const jobId = insight.data?.status === "pending" ? insight.data.job_id : null;
  const job = useJob(jobId, (j) => {
    queryClient.removeQueries({ queryKey: ["insight-job", j.id] });
    void queryClient.invalidateQueries({ queryKey: ["insights", kind] });
  });
  // The job stores the quick insights first: read this one as soon as its part is stored.
  const partReady = job.data?.parts?.[partOf(kind)] === "ready";
  useEffect(() => {
    if (partReady) void queryClient.invalidateQueries({ queryKey: ["insights", kind] });
  }, [partReady, kind, queryClient]);
  return { insight, job };
}

/** The job's name for an insight kind (`causal-graph` → `causal_graph`). */
export function partOf(kind: InsightKind): string {
  return kind.replace(/-/g, "_");
}

/** Route names of the insights the job has stored so far, e.g. "correlations,predictions". */
export function readyKinds(job: Job | undefined): string {
  return Object.entries(job?.parts ?? {})
    .filter(([, state]) => state === "ready")
    .map(([part]) => part.replace(/_/g, "-"))
    .sort()
    .join(",");
}

/** POST /insights/refresh and follow the job; all insight queries refetch when it ends. */
export function useRecompute() {
  const queryClient = useQueryClient();
  const [jobId, setJobId] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/insights/refresh")),
    onSuccess: (r) => {
      setFailure(null);
      if (r?.job_id) setJobId(r.job_id);
      else void queryClient.invalidateQueries({ queryKey: ["insights"] });
    },
  });
  const job = useJob(jobId, (j) => {
    // `error` is the exception's class name (for logs), not something to show a person.
    if (j.status === "failed") setFailure("Recomputing failed. Try again in a moment.");
    setJobId(null);
    queryClient.removeQueries({ queryKey: ["insight-job", j.id] });
    void queryClient.invalidateQueries({ queryKey: ["insights"] });
  });
  // Pages keep showing the previous results while recomputing; each is replaced as soon
  // as the job has stored its new one.
  const ready = readyKinds(job.data);
  useEffect(() => {
    for (const kind of ready ? ready.split(",") : []) {
      void queryClient.invalidateQueries({ queryKey: ["insights", kind] });
    }
  }, [ready, queryClient]);
  return { start, job, running: start.isPending || jobId !== null, failure };
}
