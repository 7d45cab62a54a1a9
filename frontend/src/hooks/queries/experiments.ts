"use client";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { Schemas } from "@/lib/api-types";

export type Experiment = Schemas["ExperimentOut"];
export type ExperimentSummary = Schemas["ExperimentSummary"];
export type ExperimentIn = Schemas["ExperimentIn"];
export type ExperimentDay = Schemas["DayOut"];
export type ExperimentPlan = Schemas["PlanOut"];
export type ExperimentResult = Schemas["ResultOut"];
export type Outcome = ExperimentIn["outcome"];

export interface PlanParams {
  outcome: Outcome;
  target_effect: number;
  window_start?: string | null;
  window_end?: string | null;
  block_days: number;
}

/** Every experiment query lives under ["experiments", ...]. */
const EXPERIMENTS = ["experiments"] as const;

export function useExperiments() {
  return useQuery({
    queryKey: [...EXPERIMENTS, "list"],
    queryFn: ({ signal }) => unwrap(api.GET("/api/v1/insights/experiments", { signal })),
    select: (d) => d.items,
  });
}

export function useExperiment(id: string | null) {
  return useQuery({
    queryKey: [...EXPERIMENTS, "one", id],
    enabled: id !== null,
    queryFn: ({ signal }) =>
      unwrap(api.GET("/api/v1/insights/experiments/{experiment_id}", { params: { path: { experiment_id: id! } }, signal })),
  });
}

/** Days needed for the effect the user cares about, from their own history; null params: no call. */
export function useExperimentPlan(params: PlanParams | null) {
  return useQuery({
    queryKey: [...EXPERIMENTS, "plan", params],
    enabled: params !== null,
    placeholderData: keepPreviousData,
    queryFn: ({ signal }) => {
      const p = params!;
      const query = {
        outcome: p.outcome,
        target_effect: p.target_effect,
        block_days: p.block_days,
        ...(p.window_start ? { window_start: p.window_start } : {}),
        ...(p.window_end ? { window_end: p.window_end } : {}),
      };
      return unwrap(api.GET("/api/v1/insights/experiment-plan", { params: { query }, signal }));
    },
  });
}

function useSetExperiment() {
  const queryClient = useQueryClient();
  return (exp: Experiment) => {
    queryClient.setQueryData([...EXPERIMENTS, "one", exp.id], exp);
    void queryClient.invalidateQueries({ queryKey: [...EXPERIMENTS, "list"] });
  };
}

export function useCreateExperiment() {
  const set = useSetExperiment();
  return useMutation({
    mutationFn: (body: ExperimentIn) => unwrap(api.POST("/api/v1/insights/experiments", { body })),
    onSuccess: set,
  });
}

export function useMarkDay(id: string) {
  const set = useSetExperiment();
  return useMutation({
    mutationFn: (body: { day: string; followed: boolean | null }) =>
      unwrap(api.PUT("/api/v1/insights/experiments/{experiment_id}/adherence", { params: { path: { experiment_id: id } }, body })),
    onSuccess: set,
  });
}

export function useStopExperiment(id: string) {
  const set = useSetExperiment();
  return useMutation({
    mutationFn: () => unwrap(api.POST("/api/v1/insights/experiments/{experiment_id}/stop", { params: { path: { experiment_id: id } } })),
    onSuccess: set,
  });
}

export function useDeleteExperiment() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      unwrap(api.DELETE("/api/v1/insights/experiments/{experiment_id}", { params: { path: { experiment_id: id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: EXPERIMENTS }),
  });
}
