"use client";
import { Check, Copy } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Button } from "@/components/ui/button";

/**
 * Copies `value` to the clipboard and says so ("Copied", announced politely). If the browser
 * refuses (no permission, not a secure context), it says to select the text instead.
 */
export function CopyButton({ value, label = "Copy", what, testId }: { value: string; label?: string; what?: string; testId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  async function copy() {
    clearTimeout(timer.current);
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("failed");
    }
    timer.current = setTimeout(() => setState("idle"), 2500);
  }

  return (
    <span className="inline-flex items-center gap-2">
      <Button size="sm" variant="secondary" onClick={copy} aria-label={what ? `${label} ${what}` : undefined} data-testid={testId}>
        {state === "copied" ? <Check aria-hidden /> : <Copy aria-hidden />} {state === "copied" ? "Copied" : label}
      </Button>
      <span aria-live="polite" className="text-xs text-slate-500">
        {state === "failed" ? "Could not copy; select the text and copy it instead." : null}
        {state === "copied" ? <span className="sr-only">Copied to the clipboard</span> : null}
      </span>
    </span>
  );
}
