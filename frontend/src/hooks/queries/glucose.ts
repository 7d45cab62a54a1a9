"use client";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap, uploadWithProgress } from "@/lib/api";

/** The newest two readings: the current value and the one before it (for the change). */
export function useLatestReadings() {
  return useQuery({
    queryKey: ["glucose", "latest"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/glucose", { params: { query: { limit: 2 } }, signal })),
    select: (page) => page.items,
  });
}

/** Upload a CSV export (multipart, through XMLHttpRequest so `onProgress` sees the upload); the dashboard refetches. */
export function useCsvImport() {
  const queryClient = useQueryClient();
  return async (file: File, onProgress: (fraction: number) => void) => {
    const form = new FormData();
    form.append("file", file);
    const report = await uploadWithProgress("/api/v1/glucose/import/csv", form, onProgress);
    await Promise.all([
      queryClient.invalidateQueries({ queryKey: ["glucose"] }),
      queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
    ]);
    return report;
  };
}
