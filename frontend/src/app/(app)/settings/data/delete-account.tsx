"use client";
import { UserX } from "lucide-react";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Dialog, DialogClose, DialogContent } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useDeleteAccount } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { useUser } from "@/hooks/use-user";
import { ExportButtons } from "./export-card";

/** Where the browser goes once the account is gone: a full page load drops the token and the cached data. */
export function leaveDeletedAccount() {
  window.location.replace("/login/?deleted=1");
}

/** The danger zone: export first, then the password, then the account and everything in it are deleted. */
export function DeleteAccountCard({ onDeleted = leaveDeletedAccount }: { onDeleted?: () => void }) {
  const user = useUser();
  const remove = useDeleteAccount();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const { onSubmit, busy, error } = useSubmit({
    navigates: true,
    validate: () => password.length > 0 || "Enter your password.",
    run: async () => {
      await remove.mutateAsync(password);
      onDeleted();
    },
    errorContext: { fieldLabels: { password: "Password" } },
  });

  return (
    <Card className="border-red-300" data-testid="danger-zone">
      <CardHeader>
        <CardTitle className="text-red-800">Delete account</CardTitle>
        <CardDescription>
          Deletes the account {user.email} and everything in it: every glucose reading, insulin dose, meal, sleep and activity entry, the
          insights, reports and imports, your sessions and API keys. Nothing is kept, and it cannot be undone.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        <div className="space-y-2">
          <p className="text-sm text-slate-700">Download your data first if you want to keep it:</p>
          <ExportButtons testId="final-export" />
        </div>
        <Dialog
          open={open}
          onOpenChange={(next) => {
            setOpen(next);
            setPassword("");
          }}
        >
          <Button variant="destructive" onClick={() => setOpen(true)} data-testid="delete-account">
            <UserX aria-hidden /> Delete account…
          </Button>
          {open ? (
            <DialogContent title="Delete your account?">
              <form onSubmit={onSubmit} className="space-y-4 text-sm text-slate-700" data-testid="delete-account-dialog" noValidate>
                <p>All your data is deleted at once and you are signed out everywhere. Enter your password to confirm it is you.</p>
                <Field id="delete-account-password" label="Password">
                  <Input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
                </Field>
                {error ? <Alert variant="error">{error}</Alert> : null}
                <div className="flex flex-wrap justify-end gap-2">
                  <DialogClose asChild>
                    <Button variant="secondary">Cancel</Button>
                  </DialogClose>
                  <Button type="submit" variant="destructive" disabled={busy} data-testid="delete-account-confirm">
                    {busy ? "Deleting…" : "Delete my account"}
                  </Button>
                </div>
              </form>
            </DialogContent>
          ) : null}
        </Dialog>
      </CardContent>
    </Card>
  );
}
