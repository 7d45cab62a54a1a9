"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useResetPassword } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";

export function ResetForm() {
  const router = useRouter();
  const reset = useResetPassword();
  const token = useSearchParams().get("token") ?? "";
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const { onSubmit, busy, error } = useSubmit({
    navigates: true,
    validate: () => {
      if (password.length < 10) return "Use a password of at least 10 characters.";
      if (password !== confirm) return "The two passwords do not match.";
      return true;
    },
    run: async () => {
      await reset.mutateAsync({ token, new_password: password });
      router.replace("/login/?reset=1");
    },
  });

  if (!token) {
    return (
      <div className="space-y-4">
        <h1 className="text-xl font-semibold">Link incomplete</h1>
        <Alert variant="warning">This reset link has no token. Open the link from your email again, or ask for a new one.</Alert>
        <Link href="/forgot-password/" className="text-sm text-brand-700 hover:underline">
          Request a new link
        </Link>
      </div>
    );
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <h1 className="text-xl font-semibold">Choose a new password</h1>
      {error ? <Alert variant="error">{error}</Alert> : null}
      <Field id="new_password" label="New password" hint="At least 10 characters; not a common password.">
        <Input
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      <Field id="confirm_password" label="Repeat new password">
        <Input type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
      </Field>
      <Button type="submit" className="w-full" disabled={busy}>
        {busy ? "Saving…" : "Set new password"}
      </Button>
    </form>
  );
}
