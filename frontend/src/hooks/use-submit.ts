"use client";
import { useState } from "react";
import type { ErrorContext } from "@/lib/errors";
import { errorMessage } from "@/lib/utils";

export interface SubmitOptions {
  /**
   * Checked before anything is sent: true to go on, a sentence to show instead, or false to
   * stop quietly (the form shows its own field errors).
   */
  validate?: () => boolean | string;
  /** The work, usually a query hook's mutation; a thrown error is shown as a sentence. */
  run: () => Promise<unknown>;
  /** How an API error is worded here (what a 409 means, names for the fields). */
  errorContext?: ErrorContext;
  onError?: (err: unknown) => void;
  /** The form leaves the page when it succeeds: stay busy until it does. */
  navigates?: boolean;
}

/**
 * The submit handler every hand-written form shares: prevent the page load, validate, mark the
 * form busy, run, and turn a failure into a sentence (lib/errors.ts). `done` is true after a
 * success until the next submit.
 */
export function useSubmit({ validate, run, errorContext, onError, navigates = false }: SubmitOptions) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);

  async function onSubmit(e?: React.FormEvent) {
    e?.preventDefault();
    setDone(false);
    const check = validate ? validate() : true;
    if (check !== true) {
      if (typeof check === "string") setError(check);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await run();
      setDone(true);
      if (navigates) return;
    } catch (err) {
      setError(errorMessage(err, errorContext));
      onError?.(err);
    }
    setBusy(false);
  }

  return { onSubmit, busy, error, done };
}
