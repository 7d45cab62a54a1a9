import { act } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { useAuthStore } from "@/lib/auth-store";
import { useRealtimeStore } from "@/lib/realtime-store";
import { renderWithClient, signInTestUser } from "@/test/render";
import { useRealtime } from "./use-realtime";

/** Stands in for the browser's WebSocket: records instances and what they send. */
class RecordingSocket {
  static all: RecordingSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closed = false;
  onopen: (() => void) | null = null;
  onmessage: ((ev: { data: string }) => void) | null = null;
  onclose: ((ev: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    RecordingSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
}

function Shell() {
  useRealtime();
  return null;
}

describe("useRealtime", () => {
  beforeEach(() => {
    RecordingSocket.all = [];
    vi.stubGlobal("WebSocket", RecordingSocket);
    signInTestUser();
    useRealtimeStore.getState().reset();
  });
  afterEach(() => vi.unstubAllGlobals());

  it("connects to this origin's /ws/alerts, authenticates with the store's token and goes live on hello", () => {
    renderWithClient(<Shell />);
    const ws = RecordingSocket.all[0];
    expect(ws.url).toBe(`ws://${window.location.host}/ws/alerts`);
    act(() => {
      ws.readyState = 1;
      ws.onopen?.();
    });
    expect(ws.sent[0]).toEqual({ type: "auth", token: "token", last_seq: null });
    act(() => ws.onmessage?.({ data: JSON.stringify({ seq: 0, type: "hello", at: "", data: { last_seq: 0 } }) }));
    expect(useRealtimeStore.getState().status).toBe("live");
  });

  it("sends a refreshed token on the open socket and closes it on sign-out", () => {
    renderWithClient(<Shell />);
    const ws = RecordingSocket.all[0];
    act(() => {
      ws.readyState = 1;
      ws.onopen?.();
    });
    act(() => useAuthStore.setState({ accessToken: "token-2" }));
    expect(ws.sent.at(-1)).toEqual({ type: "auth", token: "token-2" });
    act(() => useAuthStore.getState().clear());
    expect(ws.closed).toBe(true);
    expect(useRealtimeStore.getState().status).toBe("offline");
  });

  it("closes the socket when the shell unmounts", () => {
    const { unmount } = renderWithClient(<Shell />);
    unmount();
    expect(RecordingSocket.all[0].closed).toBe(true);
  });
});
