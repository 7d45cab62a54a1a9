"use client";
import { Pencil, Trash2 } from "lucide-react";
import { useState } from "react";
import { PageHeader } from "@/components/app-shell";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogContent } from "@/components/ui/dialog";
import { Skeleton } from "@/components/ui/skeleton";
import { useRecordList, useRecordMutations, type RecordIn, type RecordKind, type RecordOf } from "@/hooks/queries";
import { useUser } from "@/hooks/use-user";
import { errorMessage } from "@/lib/utils";
import { emptyValues, valuesFromItem, type FieldDef } from "./fields";
import { ResourceForm } from "./resource-form";
import { LoadMore } from "@/components/load-more";

export interface Column<T> {
  header: string;
  render: (item: T, zone: string) => React.ReactNode;
  className?: string;
}

/** A replaced entry keeps where it came from (PUT replaces the row; source defaults to manual). */
function provenance(item: { source: string; external_id: string | null }) {
  return { source: item.source, external_id: item.external_id };
}

/**
 * The field config builds the body from the form's strings; the server validates it and a 422
 * names the field (shown next to it), so the body is typed at this one boundary.
 */
function asBody<K extends RecordKind>(body: Record<string, unknown>): RecordIn<K> {
  return body as RecordIn<K>;
}

export function ResourcePage<K extends Exclude<RecordKind, "glucose">>({
  kind,
  title,
  description,
  singular,
  fields,
  columns,
}: {
  kind: K;
  title: string;
  description: string;
  singular: string;
  fields: FieldDef[];
  columns: Column<RecordOf<K>>[];
}) {
  const user = useUser();
  const list = useRecordList(kind);
  const { create, update, remove } = useRecordMutations(kind);
  const [editing, setEditing] = useState<RecordOf<K> | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const conflict = `There is already a ${singular} at this time. Change the time, or edit the existing one below.`;

  async function onDelete(item: RecordOf<K>) {
    if (!window.confirm(`Delete this ${singular}? This cannot be undone.`)) return;
    setDeleteError(null);
    try {
      await remove.mutateAsync(item.id);
    } catch (err) {
      setDeleteError(errorMessage(err));
    }
  }

  return (
    <div className="space-y-6">
      <PageHeader title={title} description={description} />
      <Card>
        <CardHeader>
          <CardTitle>Add {singular}</CardTitle>
          <CardDescription>Times are in your time zone, {user.zone}.</CardDescription>
        </CardHeader>
        <CardContent>
          <ResourceForm
            fields={fields}
            initial={emptyValues(fields, user.zone)}
            freshValues={() => emptyValues(fields, user.zone)}
            conflict={conflict}
            zone={user.zone}
            mode="create"
            submitLabel={`Add ${singular}`}
            onSubmit={(body) => create.mutateAsync(asBody<K>(body))}
          />
        </CardContent>
      </Card>

      <Card>
        <CardHeader>
          <CardTitle>History</CardTitle>
          <CardDescription>Newest first.</CardDescription>
        </CardHeader>
        <CardContent className="space-y-3">
          {deleteError ? <Alert variant="error">{deleteError}</Alert> : null}
          {list.isPending ? (
            <div className="space-y-2">
              <Skeleton className="h-8" label={`Loading ${title.toLowerCase()}`} />
              <Skeleton className="h-8" />
              <Skeleton className="h-8" />
            </div>
          ) : list.isError ? (
            <QueryError error={list.error} onRetry={() => list.refetch()} />
          ) : list.items.length === 0 ? (
            <p className="rounded-lg border border-dashed border-slate-300 p-6 text-center text-sm text-slate-500">
              Nothing recorded yet. Add your first {singular} above, or load demo data from the dashboard.
            </p>
          ) : (
            <div className="relative overflow-x-auto">
              <table className="w-full text-left text-sm">
                <thead className="border-b border-slate-200 text-xs uppercase tracking-wide text-slate-500">
                  <tr>
                    {columns.map((c) => (
                      <th key={c.header} scope="col" className={`px-2 py-2 font-medium ${c.className ?? ""}`}>
                        {c.header}
                      </th>
                    ))}
                    <th scope="col" className="px-2 py-2 text-right font-medium">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {list.items.map((item) => (
                    <tr key={item.id}>
                      {columns.map((c) => (
                        <td key={c.header} className={`px-2 py-2 ${c.className ?? ""}`}>
                          {c.render(item, user.zone)}
                        </td>
                      ))}
                      <td className="whitespace-nowrap px-2 py-1 text-right">
                        <Button size="icon" variant="ghost" aria-label={`Edit ${singular}`} onClick={() => setEditing(item)}>
                          <Pencil aria-hidden />
                        </Button>
                        <Button size="icon" variant="ghost" aria-label={`Delete ${singular}`} onClick={() => onDelete(item)}>
                          <Trash2 aria-hidden className="text-red-600" />
                        </Button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <LoadMore list={list} />
        </CardContent>
      </Card>

      <Dialog open={editing !== null} onOpenChange={(open) => !open && setEditing(null)}>
        {editing ? (
          <DialogContent title={`Edit ${singular}`}>
            <ResourceForm
              fields={fields}
              initial={valuesFromItem(fields, editing, user.zone)}
              zone={user.zone}
              mode="update"
              submitLabel="Save changes"
              conflict={conflict}
              onSubmit={(body) => update.mutateAsync({ id: editing.id, body: asBody<K>({ ...body, ...provenance(editing) }) })}
              onDone={() => setEditing(null)}
            />
          </DialogContent>
        ) : null}
      </Dialog>
    </div>
  );
}
