"use client";
import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { refreshSession } from "@/lib/api";
import { useAuthStore } from "@/lib/auth-store";
import { RealtimeClient, realtimeUrl, type Envelope, type ReadingMessage } from "@/lib/realtime";
import { useRealtimeStore, type AlertOut } from "@/lib/realtime-store";

/** The dashboard's charts and metrics refetch at most this often while readings stream in. */
const DASHBOARD_REFRESH_MS = 30_000;

export interface Dispatcher {
  handle: (msg: Envelope) => void;
  onGap: () => void;
  dispose: () => void;
}

/**
 * What each message does to the app: a reading updates the tile at once and refetches the
 * newest readings (the dashboard's heavier queries at most every 30 s); alert messages refetch
 * the alert queries (unread count, history, active) and show or update toasts. Kept apart from
 * the hook so it can be tested with a real QueryClient.
 */
export function makeDispatcher(queryClient: QueryClient, dashboardRefreshMs = DASHBOARD_REFRESH_MS): Dispatcher {
  const store = useRealtimeStore.getState;
  // notify_count already seen per alert: a repeat (count up) shows the toast again, a
  // "continued" update (same count) only refreshes what is shown.
  const notified = new Map<string, number>();
  let dashboardTimer: ReturnType<typeof setTimeout> | null = null;
  let dashboardAt = -Infinity;

  // Throttled with a leading edge: the first reading refreshes at once (an empty dashboard
  // turns into one), the rest of a burst at most once per period.
  const refreshDashboard = () => {
    dashboardAt = Date.now();
    void queryClient.invalidateQueries({ queryKey: ["dashboard"] });
  };
  const refreshDashboardSoon = () => {
    if (dashboardTimer) return;
    const wait = dashboardAt + dashboardRefreshMs - Date.now();
    if (wait <= 0) return refreshDashboard();
    dashboardTimer = setTimeout(() => {
      dashboardTimer = null;
      refreshDashboard();
    }, wait);
  };

  const onAlert = (type: string, alert: AlertOut) => {
    void queryClient.invalidateQueries({ queryKey: ["alerts"] });
    if (type === "alert.acknowledged" || type === "alert.resolved") {
      store().dismissToast(alert.id);
      return;
    }
    const seen = notified.get(alert.id) ?? 0;
    notified.set(alert.id, Math.max(seen, alert.notify_count));
    // A notification went out (raise, repeat, test) when notify_count grew; an update without
    // one (continued, suppressed: snoozed, quiet hours) only refreshes a toast already shown.
    const fresh = alert.notify_count > seen;
    // Pattern items are a quiet feed (the bell counts them); a test notification is resolved at birth.
    const quiet = alert.severity === "info" && alert.kind !== "test";
    const wantsAttention = alert.kind === "test" || (alert.status === "open" && !alert.acknowledged_at);
    if (fresh && !quiet && wantsAttention) store().showToast(alert);
    else store().updateToast(alert);
  };

  return {
    handle(msg) {
      if (msg.type === "reading") {
        store().setReading(msg.data as unknown as ReadingMessage);
        void queryClient.invalidateQueries({ queryKey: ["glucose"] });
        refreshDashboardSoon();
      } else if (msg.type.startsWith("alert.")) {
        const alert = msg.data as unknown as AlertOut;
        if (alert && typeof alert.id === "string") onAlert(msg.type, alert);
        // alert.read ({ids, all, unread}: mark-read in another tab): refetch the bell and lists.
        else void queryClient.invalidateQueries({ queryKey: ["alerts"] });
      }
    },
    onGap() {
      for (const key of ["glucose", "dashboard", "alerts"]) void queryClient.invalidateQueries({ queryKey: [key] });
    },
    dispose() {
      if (dashboardTimer) clearTimeout(dashboardTimer);
    },
  };
}

/** Keeps this tab's real-time connection: mount once, in the app shell. */
export function useRealtime() {
  const queryClient = useQueryClient();
  useEffect(() => {
    if (typeof window === "undefined" || typeof WebSocket === "undefined") return;
    const dispatcher = makeDispatcher(queryClient);
    const client = new RealtimeClient({
      url: realtimeUrl(window.location),
      getToken: () => useAuthStore.getState().accessToken,
      refreshToken: refreshSession,
      onMessage: dispatcher.handle,
      onStatus: (status) => useRealtimeStore.getState().setStatus(status),
      onGap: dispatcher.onGap,
    });
    client.start();
    const unsubscribe = useAuthStore.subscribe((s, prev) => {
      if (s.accessToken === prev.accessToken) return;
      if (s.accessToken && !client.running) client.start();
      else client.renewAuth(s.accessToken);
    });
    const online = () => client.reconnectNow();
    window.addEventListener("online", online);
    return () => {
      window.removeEventListener("online", online);
      unsubscribe();
      client.stop();
      dispatcher.dispose();
      useRealtimeStore.getState().reset();
    };
  }, [queryClient]);
}
