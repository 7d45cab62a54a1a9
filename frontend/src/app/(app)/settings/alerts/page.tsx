import { BellRing } from "lucide-react";
import type { Metadata } from "next";
import { PageHeader } from "@/components/app-shell";
import { Card, CardContent } from "@/components/ui/card";

export const metadata: Metadata = { title: "Alerts" };

export default function AlertsPage() {
  return (
    <div className="space-y-6">
      <PageHeader title="Alerts" description="Notifications for lows, highs and predicted lows." />
      <Card>
        <CardContent className="flex flex-col items-center gap-3 py-12 text-center">
          <BellRing className="size-10 text-brand-600" aria-hidden />
          <h2 className="text-lg font-semibold">Coming soon</h2>
          <p className="max-w-md text-sm text-slate-600">
            Alert rules and delivery (email, push and webhooks) are being built. Until then, keep relying on your CGM app&apos;s own alarms:
            GlucoLens is not a replacement for them.
          </p>
        </CardContent>
      </Card>
    </div>
  );
}
