"use client";
import { PageHeader } from "@/components/app-shell";
import { QueryError } from "@/components/query-state";
import { Alert } from "@/components/ui/alert";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useAlertConfig } from "@/hooks/queries/alerts";
import { useClock } from "@/hooks/use-clock";
import { asUnit } from "@/lib/units";
import { Channels, EmergencyContact, MuteAll, QuietHours } from "./delivery-settings";
import { KindRow } from "./kind-row";
import { Snoozes } from "./snoozes";
import { TestNotification } from "./test-notification";

/** Settings → Alerts: every kind, snooze, quiet hours, mute, channels, emergency contact, a test. */
export function AlertSettingsView() {
  const config = useAlertConfig();
  const now = useClock(30_000);
  return (
    <div className="space-y-6">
      <PageHeader title="Alerts" description="Which alerts GlucoLens raises, when, and where they reach you." />
      <Alert variant="warning" title="Keep your CGM app's alarms on">
        GlucoLens alerts depend on your data reaching the server and on your network; they add to your CGM app&apos;s own alarms, they do
        not replace them.
      </Alert>
      {config.isPending ? (
        <Skeleton className="h-96" label="Loading alert settings" />
      ) : config.isError ? (
        <QueryError error={config.error} onRetry={() => config.refetch()} />
      ) : (
        <>
          <Card>
            <CardHeader>
              <CardTitle>Alert kinds</CardTitle>
              <CardDescription>Thresholds are in {config.data.unit}, the unit of your profile. Each kind saves on its own.</CardDescription>
            </CardHeader>
            <CardContent data-testid="alert-kinds">
              {config.data.kinds.map((k) => (
                <KindRow key={`${k.kind}-${config.data.unit}`} cfg={k} unit={asUnit(config.data.unit)} />
              ))}
            </CardContent>
          </Card>
          <Channels config={config.data} />
          <TestNotification />
          <Snoozes config={config.data} />
          <QuietHours config={config.data} />
          <MuteAll config={config.data} now={now} />
          <EmergencyContact config={config.data} />
        </>
      )}
    </div>
  );
}
