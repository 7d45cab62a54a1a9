"use client";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { useSendTestNotification } from "@/hooks/queries/push";
import { channelLabel, deliveryStatusLabel } from "@/lib/alerts";
import { cn, errorMessage } from "@/lib/utils";

const ERRORS: [RegExp, string][] = [
  [/^smtp_5\d\d/, "the mail server refused it"],
  [/^smtp/, "the mail server could not be reached"],
  [/^push_(404|410)/, "the browser's subscription has expired; enable notifications again"],
  [/^push/, "the push service refused it"],
  [/^webhook_(\d+)/, "the webhook answered with an error"],
  [/^webhook/, "the webhook could not be reached"],
];

/** A delivery error code (smtp_550, push_410, ...) in words, with the code kept for support. */
export function deliveryErrorText(code: string | null): string | null {
  if (!code) return null;
  const words = ERRORS.find(([re]) => re.test(code))?.[1];
  return words ? `${words} (${code})` : code;
}

/** Sends a test alert through every channel that is on and shows what each did. */
export function TestNotification() {
  const test = useSendTestNotification();
  return (
    <Card>
      <CardHeader>
        <CardTitle>Test notification</CardTitle>
        <CardDescription>Sends a test alert through every channel that is on, and shows what happened on each.</CardDescription>
      </CardHeader>
      <CardContent className="space-y-3">
        <Button size="sm" onClick={() => test.mutate()} disabled={test.isPending} data-testid="send-test">
          {test.isPending ? "Sending…" : "Send test notification"}
        </Button>
        {test.isError ? (
          <p className="text-sm text-red-700" role="alert">
            {errorMessage(test.error)}
          </p>
        ) : null}
        {test.data ? (
          <div role="status" className="space-y-2">
            <ul className="space-y-1 text-sm" data-testid="test-deliveries">
              {test.data.deliveries.map((d) => (
                <li key={d.id} data-testid="test-delivery" data-channel={d.channel} data-status={d.status}>
                  <span className="font-medium">{channelLabel(d.channel)}</span>
                  {d.recipient !== "user" ? ` (${d.recipient.replace(/_/g, " ")})` : ""}:{" "}
                  <span className={cn(d.status === "sent" ? "text-green-700" : d.status === "pending" ? "text-slate-600" : "text-red-700")}>
                    {deliveryStatusLabel(d.status)}
                  </span>
                  {d.last_error ? <span className="text-slate-600"> — {deliveryErrorText(d.last_error)}</span> : null}
                </li>
              ))}
            </ul>
            {!test.data.complete ? (
              <p className="text-xs text-slate-500">Some deliveries are still being tried; the alert history shows how they end.</p>
            ) : null}
          </div>
        ) : null}
      </CardContent>
    </Card>
  );
}
