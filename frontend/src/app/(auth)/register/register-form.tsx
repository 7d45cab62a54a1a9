"use client";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input, NativeSelect } from "@/components/ui/input";
import { useRegister, useSignIn } from "@/hooks/queries";
import { useSubmit } from "@/hooks/use-submit";
import { browserTimeZone } from "@/lib/time";
import type { Unit } from "@/lib/units";

export function RegisterForm() {
  const router = useRouter();
  const register = useRegister();
  const signIn = useSignIn();
  const [displayName, setDisplayName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [unit, setUnit] = useState<Unit>("mg/dL");
  const { onSubmit, busy, error } = useSubmit({
    navigates: true,
    validate: () => password.length >= 10 || "Use a password of at least 10 characters.",
    run: async () => {
      await register.mutateAsync({
        email: email.trim(),
        password,
        display_name: displayName.trim() || undefined,
        timezone: browserTimeZone(),
        unit,
      });
      await signIn.mutateAsync({ email: email.trim(), password });
      router.replace("/dashboard/");
    },
  });

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <div>
        <h1 className="text-xl font-semibold">Create your account</h1>
        <p className="text-sm text-slate-500">Your data stays on this server.</p>
      </div>
      {error ? <Alert variant="error">{error}</Alert> : null}
      <Field id="display_name" label="Name (optional)">
        <Input autoComplete="name" value={displayName} onChange={(e) => setDisplayName(e.target.value)} />
      </Field>
      <Field id="email" label="Email">
        <Input type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </Field>
      <Field id="password" label="Password" hint="At least 10 characters; not a common password.">
        <Input
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </Field>
      <Field id="unit" label="Glucose unit">
        <NativeSelect value={unit} onChange={(e) => setUnit(e.target.value as Unit)}>
          <option value="mg/dL">mg/dL</option>
          <option value="mmol/L">mmol/L</option>
        </NativeSelect>
      </Field>
      <Button type="submit" className="w-full" disabled={busy}>
        {busy ? "Creating account…" : "Create account"}
      </Button>
      <p className="text-center text-sm text-slate-600">
        Already have an account?{" "}
        <Link href="/login/" className="text-brand-700 hover:underline">
          Sign in
        </Link>
      </p>
    </form>
  );
}
