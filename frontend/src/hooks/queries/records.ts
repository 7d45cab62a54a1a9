"use client";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, unwrap } from "@/lib/api";
import type { paths } from "@/lib/api-schema";

/** The record endpoints: a newest-first list paged by `next_cursor`, create, replace, delete. */
export type RecordKind = "glucose" | "insulin" | "sleep" | "meals" | "activities";
type RecordPages = { [K in RecordKind]: paths[`/api/v1/${K}`]["get"]["responses"][200]["content"]["application/json"] };
type RecordBodies = { [K in RecordKind]: NonNullable<paths[`/api/v1/${K}`]["post"]["requestBody"]>["content"]["application/json"] };
/** One stored row of a kind, as the list, create and replace answers return it. */
export type RecordOf<K extends RecordKind> = RecordPages[K]["items"][number];
/** The body a kind's create and replace take. */
export type RecordIn<K extends RecordKind> = RecordBodies[K];

// The five kinds share their parameters (limit, cursor, integer id) and differ in their rows, so
// the calls below are checked against all five paths and their answers narrowed to kind K.
const listPath = (kind: RecordKind) => `/api/v1/${kind}` as const;
const itemPath = (kind: RecordKind) => `/api/v1/${kind}/{id}` as const;

export function useRecordList<K extends RecordKind>(kind: K, limit = 20) {
  const query = useInfiniteQuery({
    queryKey: [kind, "list", limit],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam, signal }) =>
      unwrap(api.GET(listPath(kind), { params: { query: { limit, cursor: pageParam } }, signal })) as Promise<RecordPages[K]>,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
  const items: RecordOf<K>[] = query.data?.pages.flatMap((p) => p.items as RecordOf<K>[]) ?? [];
  return { ...query, items };
}

export function useRecordMutations<K extends RecordKind>(kind: K) {
  const queryClient = useQueryClient();
  const invalidate = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: [kind] }),
      queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
      queryClient.invalidateQueries({ queryKey: ["glucose"] }),
    ]);
  const create = useMutation({
    mutationFn: (body: RecordIn<K>) => unwrap(api.POST(listPath(kind), { body })) as Promise<RecordOf<K>>,
    onSuccess: invalidate,
  });
  const update = useMutation({
    mutationFn: ({ id, body }: { id: number; body: RecordIn<K> }) =>
      unwrap(api.PUT(itemPath(kind), { params: { path: { id } }, body })) as Promise<RecordOf<K>>,
    onSuccess: invalidate,
  });
  const remove = useMutation({
    mutationFn: (id: number) => unwrap(api.DELETE(itemPath(kind), { params: { path: { id } } })),
    onSuccess: invalidate,
  });
  return { create, update, remove };
}
