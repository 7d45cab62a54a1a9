"use client";
import { Database } from "lucide-react";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { useDataSources, useLoadDemo } from "@/hooks/queries";
import { ApiError } from "@/lib/api";
import { humanError } from "@/lib/errors";
import { describeCounts } from "@/lib/sources";
import type { SourceDeleted } from "@/lib/api-types";
import { DeleteSourceButton } from "./delete-source";

/** How many readings of their own the account has, from a 409 confirmation_required answer. */
export function existingReadings(err: unknown): number | null {
  if (!(err instanceof ApiError) || err.status !== 409 || err.code !== "confirmation_required") return null;
  for (const d of err.details as { reason: string; count?: number }[]) {
    if (typeof d.count === "number") return d.count;
    const m = /(\d[\d,]*)/.exec(d.reason ?? "");
    if (m) return Number(m[1].replace(/,/g, ""));
  }
  const m = /(\d[\d,]*)/.exec(err.message);
  return m ? Number(m[1].replace(/,/g, "")) : 0;
}

/** "Load demo data"; asks first when the account already has readings of its own. */
export function LoadDemoButton({ variant = "default" }: { variant?: "default" | "secondary" }) {
  const demo = useLoadDemo();
  const [existing, setExisting] = useState<number | null>(null);
  const confirmNeeded = existingReadings(demo.error);
  const failed = demo.isError && confirmNeeded === null;

  function load(confirm: boolean) {
    setExisting(null);
    demo.mutate(confirm, { onError: (err) => setExisting(existingReadings(err)) });
  }

  return (
    <div className="flex flex-col items-start gap-3">
      <Button variant={variant} onClick={() => load(false)} disabled={demo.isPending} data-testid="load-demo">
        <Database aria-hidden /> {demo.isPending ? "Loading demo data…" : "Load demo data"}
      </Button>
      {demo.data ? (
        <p className="text-sm text-green-800" role="status" data-testid="demo-loaded">
          Demo data loaded: {describeCounts(demo.data)}.
        </p>
      ) : null}
      {failed ? <Alert variant="error">{humanError(demo.error)}</Alert> : null}
      <Dialog open={existing !== null} onOpenChange={(open) => !open && setExisting(null)}>
        {existing !== null ? (
          <DialogContent title="Add demo data to your own readings?">
            <div className="space-y-4 text-sm text-slate-700" data-testid="demo-confirm">
              <p>
                Your account already has <strong>{existing.toLocaleString("en")}</strong> glucose readings of your own. Demo data would be
                mixed into your dashboard and insights.
              </p>
              <p>It is stored as its own source (“demo”), so “Remove demo data” takes it out again without touching your readings.</p>
              <div className="flex flex-wrap justify-end gap-2">
                <DialogClose asChild>
                  <Button variant="secondary">Cancel</Button>
                </DialogClose>
                <Button onClick={() => load(true)} data-testid="demo-confirm-load">
                  Load demo data anyway
                </Button>
              </div>
            </div>
          </DialogContent>
        ) : null}
      </Dialog>
    </div>
  );
}

/** "Remove demo data": deletes exactly the demo rows, after showing what will go. */
export function RemoveDemoData() {
  const sources = useDataSources();
  const [done, setDone] = useState<SourceDeleted | null>(null);
  const demo = sources.data?.sources.find((s) => s.source === "demo");

  return (
    <div className="space-y-2">
      {demo ? (
        <DeleteSourceButton
          source="demo"
          counts={demo.counts}
          label="Remove demo data"
          testId="remove-demo"
          onDeleted={setDone}
          size="default"
        />
      ) : sources.isSuccess ? (
        <p className="text-sm text-slate-500">There is no demo data in your account.</p>
      ) : null}
      {done ? (
        <p className="text-sm text-green-800" role="status" data-testid="demo-removed">
          Removed {describeCounts(done.deleted)} of demo data.
        </p>
      ) : null}
    </div>
  );
}
