import { create } from "zustand";
import type { AlertOut } from "./api-types";

import type { ReadingMessage, RealtimeStatus } from "./realtime";

export type { AlertOut };

/** An alert shown as a toast; `version` changes when a repeat or escalation updates it. */
export interface AlertToast {
  alert: AlertOut;
  version: number;
}

interface RealtimeState {
  status: RealtimeStatus;
  /** The newest reading the channel brought (the tile prefers it while it is newer than its query). */
  lastReading: ReadingMessage | null;
  toasts: AlertToast[];
  setStatus: (status: RealtimeStatus) => void;
  setReading: (reading: ReadingMessage) => void;
  /** Show (or refresh) the toast of an alert. */
  showToast: (alert: AlertOut) => void;
  /** Replace a shown toast's alert without re-showing a dismissed one. */
  updateToast: (alert: AlertOut) => void;
  dismissToast: (id: string) => void;
  reset: () => void;
}

/** How many toasts stay on screen (the newest; older ones are in the history behind the bell). */
const MAX_TOASTS = 4;

export const useRealtimeStore = create<RealtimeState>((set) => ({
  status: "idle",
  lastReading: null,
  toasts: [],
  setStatus: (status) => set({ status }),
  setReading: (reading) =>
    set((s) => {
      // Out-of-order delivery (a replay after a newer live message) must not move the tile back.
      if (s.lastReading && Date.parse(s.lastReading.ts) > Date.parse(reading.ts)) return s;
      return { lastReading: reading };
    }),
  showToast: (alert) =>
    set((s) => {
      const rest = s.toasts.filter((t) => t.alert.id !== alert.id);
      const prev = s.toasts.find((t) => t.alert.id === alert.id);
      return { toasts: [{ alert, version: (prev?.version ?? 0) + 1 }, ...rest].slice(0, MAX_TOASTS) };
    }),
  updateToast: (alert) => set((s) => ({ toasts: s.toasts.map((t) => (t.alert.id === alert.id ? { alert, version: t.version } : t)) })),
  dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.alert.id !== id) })),
  reset: () => set({ status: "idle", lastReading: null, toasts: [] }),
}));
