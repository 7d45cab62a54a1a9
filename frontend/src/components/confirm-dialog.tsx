"use client";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";

/**
 * A yes/no question before something that cannot be undone (Radix dialog: focus stays inside,
 * Escape and Cancel close it). Focus starts on Cancel, so Enter alone never confirms.
 */
export function ConfirmDialog({
  open,
  onOpenChange,
  title,
  children,
  confirmLabel,
  busyLabel,
  busy,
  error,
  onConfirm,
  testId,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: string;
  children: React.ReactNode;
  confirmLabel: string;
  busyLabel: string;
  busy: boolean;
  error?: string | null;
  onConfirm: () => void;
  testId?: string;
}) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      {open ? (
        <DialogContent
          title={title}
          onOpenAutoFocus={(e) => {
            e.preventDefault();
            (e.currentTarget as HTMLElement | null)?.querySelector<HTMLElement>("[data-cancel]")?.focus();
          }}
        >
          <div className="space-y-4 text-sm text-slate-700" data-testid={testId}>
            {children}
            {error ? <Alert variant="error">{error}</Alert> : null}
            <div className="flex flex-wrap justify-end gap-2">
              <DialogClose asChild>
                <Button variant="secondary" data-cancel>
                  Cancel
                </Button>
              </DialogClose>
              <Button variant="destructive" onClick={onConfirm} disabled={busy} data-testid={testId ? `${testId}-confirm` : undefined}>
                {busy ? busyLabel : confirmLabel}
              </Button>
            </div>
          </div>
        </DialogContent>
      ) : null}
    </Dialog>
  );
}
