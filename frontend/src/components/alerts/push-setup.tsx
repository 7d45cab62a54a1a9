"use client";
import { BellRing } from "lucide-react";
import { useEffect, useRef, useState, useSyncExternalStore } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { useDeletePushSubscription, useFetchVapidKey, useSavePushSubscription } from "@/hooks/queries/push";
import { existingSubscription, pushState, PushDenied, subscribeBrowser, subscriptionBody, type PushState } from "@/lib/push";
import { errorMessage } from "@/lib/utils";

const noSubscription = () => () => undefined;

const BLOCKED_HELP =
  "Notifications are blocked for this site, so alerts cannot reach you while GlucoLens is closed. To allow them, open the site's settings (the icon left of the address), set Notifications to Allow, and reload this page. Email still works meanwhile if it is on.";

/**
 * "Enable notifications": permission, service worker, push subscription. A browser that already
 * has a subscription sends it again on each visit (the server updates it by endpoint), so a
 * subscription the server dropped or rotated comes back without asking.
 */
export function PushSetup({ compact = false }: { compact?: boolean }) {
  // Read on every render (the permission changes behind our back); null while prerendering.
  const state: PushState | null = useSyncExternalStore(noSubscription, pushState, () => null);
  const [subscribed, setSubscribed] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const save = useSavePushSubscription();
  const remove = useDeletePushSubscription();
  const vapidKey = useFetchVapidKey();
  const synced = useRef(false);

  useEffect(() => {
    existingSubscription()
      .then(async (sub) => {
        setSubscribed(Boolean(sub));
        if (sub && !synced.current) {
          synced.current = true;
          await save.mutateAsync(subscriptionBody(sub.toJSON()));
        }
      })
      .catch(() => setSubscribed(false));
    // Once per mount: `save` changes identity on every render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  async function enable() {
    setBusy(true);
    setError(null);
    try {
      const { public_key } = await vapidKey();
      const json = await subscribeBrowser(public_key);
      await save.mutateAsync(subscriptionBody(json));
      setSubscribed(true);
    } catch (e) {
      if (!(e instanceof PushDenied)) setError(`Could not turn on notifications: ${errorMessage(e)}`);
    } finally {
      setBusy(false);
    }
  }

  async function disable() {
    setBusy(true);
    setError(null);
    try {
      const sub = await existingSubscription();
      if (sub) {
        // The server knows subscriptions by id; sending it again returns that id.
        const stored = await save.mutateAsync(subscriptionBody(sub.toJSON()));
        await remove.mutateAsync(stored.id);
        await sub.unsubscribe();
      }
      setSubscribed(false);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  if (state === null || subscribed === null) return null;
  if (compact && (subscribed || state === "unsupported")) return null;

  if (state === "unsupported") {
    return (
      <Alert variant="info" title="This browser cannot receive push notifications">
        Alerts still show here while GlucoLens is open, and by email or webhook if they are on. On an iPhone or iPad, add GlucoLens to the
        Home Screen first (Share → Add to Home Screen); web push works from there.
      </Alert>
    );
  }
  if (state === "denied") {
    return (
      <Alert variant="warning" title="Notifications are blocked" className="text-sm">
        <span data-testid="push-denied">{BLOCKED_HELP}</span>
      </Alert>
    );
  }
  if (subscribed) {
    return (
      <div className="flex flex-wrap items-center justify-between gap-3 text-sm" data-testid="push-on">
        <p className="text-slate-700">
          <BellRing className="mr-1 inline size-4 text-green-700" aria-hidden />
          This browser shows alert notifications, even when GlucoLens is closed.
        </p>
        <Button size="sm" variant="secondary" onClick={disable} disabled={busy}>
          {busy ? "Turning off…" : "Turn off on this browser"}
        </Button>
        {error ? <Alert variant="error">{error}</Alert> : null}
      </div>
    );
  }
  return (
    <Alert
      variant="info"
      title="Get alerts when GlucoLens is closed"
      action={
        <Button size="sm" onClick={enable} disabled={busy} data-testid="push-enable">
          {busy ? "Asking…" : "Enable notifications"}
        </Button>
      }
    >
      <span>
        Your browser will ask whether GlucoLens may show notifications. Urgent alerts stay on screen until you act on them.
        {error ? (
          <span className="mt-1 block font-medium text-red-800" role="alert">
            {error}
          </span>
        ) : null}
      </span>
    </Alert>
  );
}
