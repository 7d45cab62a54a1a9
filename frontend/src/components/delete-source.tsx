"use client";
import { Trash2 } from "lucide-react";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { useDeleteSource } from "@/hooks/queries";
import { humanError } from "@/lib/errors";
import { describeCounts, sourceLabel } from "@/lib/sources";
import type { SourceCounts, SourceDeleted } from "@/lib/api-types";

/**
 * Deletes every row of one source after a confirmation that shows the counts. The result goes
 * to `onDeleted`, because this button disappears with the source once the list refreshes.
 */
export function DeleteSourceButton({
  source,
  counts,
  label,
  testId,
  onDeleted,
  size = "sm",
}: {
  source: string;
  counts: SourceCounts;
  label: string;
  testId?: string;
  size?: "sm" | "default";
  onDeleted: (result: SourceDeleted) => void;
}) {
  const remove = useDeleteSource();
  const [open, setOpen] = useState(false);

  function openWith(next: boolean) {
    remove.reset();
    setOpen(next);
  }

  async function confirm() {
    try {
      const result = await remove.mutateAsync(source);
      setOpen(false);
      onDeleted(result);
    } catch {
      /* shown in the dialog */
    }
  }

  return (
    <Dialog open={open} onOpenChange={openWith}>
      <Button variant="secondary" size={size} onClick={() => openWith(true)} data-testid={testId}>
        <Trash2 aria-hidden className="text-red-600" /> {label}
      </Button>
      {open ? (
        <DialogContent title={`Delete all data from “${sourceLabel(source)}”?`}>
          <div className="space-y-4 text-sm text-slate-700" data-testid="delete-source-dialog">
            <p>
              This deletes <strong data-testid="delete-source-counts">{describeCounts(counts)}</strong> that came from <code>{source}</code>
              , with the statistics and insights computed from them. Data from other sources stays. This cannot be undone.
            </p>
            {remove.isError ? <Alert variant="error">{humanError(remove.error)}</Alert> : null}
            <div className="flex flex-wrap justify-end gap-2">
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button variant="destructive" onClick={confirm} disabled={remove.isPending} data-testid="delete-source-confirm">
                {remove.isPending ? "Deleting…" : "Delete"}
              </Button>
            </div>
          </div>
        </DialogContent>
      ) : null}
    </Dialog>
  );
}
