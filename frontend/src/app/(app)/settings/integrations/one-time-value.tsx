"use client";
import { useEffect, useRef } from "react";
import { CopyButton } from "@/components/copy-button";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";

/**
 * A new secret or token, shown this once (the server keeps only digests). It lives in the
 * page's state until "Done" or leaving the page; it is never stored or logged.
 */
export function OneTimeValue({
  title,
  value,
  sha1,
  children,
  onDone,
  testId = "one-time-value",
}: {
  title: string;
  value: string;
  sha1?: string;
  children?: React.ReactNode;
  onDone: () => void;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  // The form that made it may be further down the page: bring the value into view and focus.
  useEffect(() => {
    box.current?.focus();
    box.current?.scrollIntoView?.({ block: "nearest" });
  }, [value]);
  return (
    <Alert variant="warning" title={title} className="[&_code]:select-all">
      <div className="mt-2 space-y-3 outline-none" data-testid={testId} ref={box} tabIndex={-1}>
        <p className="font-medium">Copy it now: you will not see it again. GlucoLens keeps only a fingerprint of it.</p>
        <div className="space-y-1">
          <p className="text-xs font-medium">Value</p>
          <div className="flex flex-wrap items-center gap-2">
            <code className="break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900" data-testid={`${testId}-text`}>
              {value}
            </code>
            <CopyButton value={value} what="the value" testId={`${testId}-copy`} />
          </div>
        </div>
        {sha1 ? (
          <div className="space-y-1">
            <p className="text-xs font-medium uppercase tracking-wide">
              SHA-1 (for uploaders that want the hash, such as nightscout-librelink-up)
            </p>
            <div className="flex flex-wrap items-center gap-2">
              <code className="break-all rounded bg-white px-2 py-1 font-mono text-xs text-slate-900" data-testid={`${testId}-sha1`}>
                {sha1}
              </code>
              <CopyButton value={sha1} what="the SHA-1" />
            </div>
          </div>
        ) : null}
        {children}
        <Button size="sm" variant="secondary" onClick={onDone} data-testid={`${testId}-done`}>
          I have copied it
        </Button>
      </div>
    </Alert>
  );
}
