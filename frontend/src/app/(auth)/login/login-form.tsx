"use client";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { useSignIn } from "@/hooks/queries";
import { safeNext } from "@/hooks/use-safe-next";
import { useSubmit } from "@/hooks/use-submit";

export function LoginForm() {
  const router = useRouter();
  const params = useSearchParams();
  const signIn = useSignIn();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const { onSubmit, busy, error } = useSubmit({
    navigates: true,
    run: async () => {
      await signIn.mutateAsync({ email: email.trim(), password });
      router.replace(safeNext(params.get("next")));
    },
  });

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate={false}>
      <div>
        <h1 className="text-xl font-semibold">Sign in</h1>
        <p className="text-sm text-slate-500">Welcome back to GlucoLens.</p>
      </div>
      {params.get("deleted") === "1" ? <Alert variant="success">Your account and all its data were deleted.</Alert> : null}
      {params.get("reset") === "1" ? <Alert variant="success">Your password was changed. Sign in with the new one.</Alert> : null}
      {error ? <Alert variant="error">{error}</Alert> : null}
      <Field id="email" label="Email">
        <Input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </Field>
      <Field id="password" label="Password">
        <Input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
      </Field>
      <Button type="submit" className="w-full" disabled={busy}>
        {busy ? "Signing in…" : "Sign in"}
      </Button>
      <div className="flex justify-between text-sm">
        <Link href="/forgot-password/" className="text-brand-700 hover:underline">
          Forgot password?
        </Link>
        <Link href="/register/" className="text-brand-700 hover:underline">
          Create an account
        </Link>
      </div>
    </form>
  );
}
