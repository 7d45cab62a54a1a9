import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, RealtimeClient, realtimeUrl, tokenExpiry, type Envelope, type RealtimeStatus, type SocketLike } from "./realtime";

/** A socket that records what the client sends and lets the test play the server. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedWith: number | null = null;
  onopen: ((ev: Event) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close(code = 1000) {
    this.closedWith = code;
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }
  receive(msg: Partial<Envelope> & { type: string }) {
    this.onmessage?.({ data: JSON.stringify(msg) } as MessageEvent);
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code } as CloseEvent);
  }
}

/** A JWT-shaped token whose payload says it expires at `expMs` (the client reads only `exp`). */
function jwt(expMs: number, sub = "u1"): string {
  const b64 = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  return `${b64({ alg: "HS256" })}.${b64({ sub, exp: Math.floor(expMs / 1000) })}.sig`;
}

function setup(opts: { token?: string | null; refresh?: () => Promise<string | null> } = {}) {
  const sockets: FakeSocket[] = [];
  const messages: Envelope[] = [];
  const statuses: RealtimeStatus[] = [];
  let gaps = 0;
  let token: string | null = opts.token === undefined ? "tok-1" : opts.token;
  const refresh = vi.fn(opts.refresh ?? (async () => token));
  const client = new RealtimeClient({
    url: "ws://app.test/ws/alerts",
    getToken: () => token,
    refreshToken: refresh,
    onMessage: (m) => messages.push(m),
    onStatus: (s) => statuses.push(s),
    onGap: () => {
      gaps += 1;
    },
    createSocket: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    random: () => 0.5,
  });
  return {
    client,
    sockets,
    messages,
    statuses,
    refresh,
    gaps: () => gaps,
    setToken: (t: string | null) => {
      token = t;
    },
    last: () => sockets[sockets.length - 1],
  };
}

const reading = (seq: number, value = 120) => ({
  seq,
  type: "reading",
  at: "2026-12-07T10:00:00Z",
  data: { ts: "2026-12-07T10:00:00Z", value_mgdl: value, value, unit: "mg/dL", trend: "Flat", delta: 1, delta_mgdl: 1, source: "api" },
});

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-12-07T10:00:00Z"));
});
afterEach(() => {
  vi.useRealTimers();
});

describe("realtimeUrl", () => {
  it("uses wss on an https page and ws on http, on the page's own host", () => {
    expect(realtimeUrl({ protocol: "https:", host: "glucose.example.org" })).toBe("wss://glucose.example.org/ws/alerts");
    expect(realtimeUrl({ protocol: "http:", host: "127.0.0.1:8000" })).toBe("ws://127.0.0.1:8000/ws/alerts");
  });
});

describe("tokenExpiry", () => {
  it("reads exp from a JWT and gives null for an API key", () => {
    expect(tokenExpiry(jwt(Date.UTC(2026, 11, 7, 10, 15)))).toBe(Date.UTC(2026, 11, 7, 10, 15));
    expect(tokenExpiry("glk_abcdef")).toBeNull();
    expect(tokenExpiry("a.!!!.c")).toBeNull();
  });
});

describe("backoffDelay", () => {
  it("doubles up to the cap, with jitter between half and all of it", () => {
    expect(backoffDelay(0, () => 0)).toBe(500);
    expect(backoffDelay(0, () => 1)).toBe(1000);
    expect(backoffDelay(3, () => 1)).toBe(8000);
    expect(backoffDelay(30, () => 1)).toBe(30_000);
    expect(backoffDelay(30, () => 0)).toBe(15_000);
  });
});

describe("RealtimeClient", () => {
  it("sends the token in the first message, never in the URL", () => {
    const t = setup({ token: "secret-token" });
    t.client.start();
    t.last().open();
    expect(t.last().url).toBe("ws://app.test/ws/alerts");
    expect(t.last().url).not.toContain("secret");
    expect(t.last().sent[0]).toEqual({ type: "auth", token: "secret-token", last_seq: null });
  });

  it("is live after the server's hello, not before", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    expect(t.client.currentStatus).toBe("connecting");
    t.last().receive({ type: "hello", seq: 0, at: "", data: { user_id: "u1", last_seq: 7, heartbeat_s: 25 } });
    expect(t.client.currentStatus).toBe("live");
    expect(t.client.seq).toBe(7);
  });

  it("answers ping with pong", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "ping", seq: 0, at: "", data: {} });
    expect(t.last().sent.at(-1)).toEqual({ type: "pong" });
  });

  it("hands data messages on and remembers the highest seq", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0 } });
    t.last().receive(reading(1));
    t.last().receive(reading(2, 130));
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(t.client.seq).toBe(2);
  });

  it("reconnects after a drop with last_seq and drops replayed duplicates", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0 } });
    t.last().receive(reading(1));
    t.last().receive(reading(2));
    t.last().drop();
    expect(t.client.currentStatus).toBe("reconnecting");
    vi.advanceTimersByTime(1000);
    expect(t.sockets).toHaveLength(2);
    t.last().open();
    expect(t.last().sent[0]).toEqual({ type: "auth", token: "tok-1", last_seq: 2 });
    // The server replays from its buffer; one message overlaps what we had.
    t.last().receive({ type: "hello", data: { last_seq: 3 } });
    t.last().receive(reading(2));
    t.last().receive(reading(3));
    expect(t.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(t.gaps()).toBe(0);
  });

  it("backs off exponentially while the server stays away, and resets after a hello", () => {
    const t = setup();
    t.client.start();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      t.last().drop();
      const before = t.sockets.length;
      let waited = 0;
      while (t.sockets.length === before) {
        vi.advanceTimersByTime(50);
        waited += 50;
      }
      waits.push(waited);
    }
    // random() = 0.5: 3/4 of 1 s, 2 s, 4 s, 8 s.
    expect(waits).toEqual([750, 1500, 3000, 6000]);
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0 } });
    t.last().drop();
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    vi.advanceTimersByTime(750);
    expect(t.sockets).toHaveLength(6);
  });

  it("calls onGap on replay.gap", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 10 } });
    t.last().receive({ type: "replay.gap", seq: 40, data: {} });
    expect(t.gaps()).toBe(1);
    t.last().receive(reading(41));
    expect(t.messages.map((m) => m.seq)).toEqual([41]);
  });

  it("follows the server's numbering after a replay.gap, even when it went backwards", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0 } });
    t.last().receive(reading(90));
    t.last().drop();
    vi.advanceTimersByTime(1000);
    t.last().open();
    expect(t.last().sent[0]).toMatchObject({ last_seq: 90 });
    // A hub that restarted without Redis: hello says 3, the gap says refetch and count from 3.
    t.last().receive({ type: "hello", seq: 3, data: { last_seq: 3 } });
    t.last().receive({ type: "replay.gap", seq: 3, data: { last_seq: 3 } });
    t.last().receive(reading(4));
    expect(t.messages.map((m) => m.seq)).toEqual([90, 4]);
    expect(t.gaps()).toBeGreaterThanOrEqual(1);
  });

  it("treats a server whose sequence went backwards as a gap and follows its numbering", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 50 } });
    t.last().drop();
    vi.advanceTimersByTime(1000);
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0 } });
    expect(t.gaps()).toBe(1);
    t.last().receive(reading(1));
    expect(t.messages.map((m) => m.seq)).toEqual([1]);
  });

  it("sends a renewed token on the open socket when the token changes", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0 } });
    t.setToken("tok-2");
    t.client.renewAuth("tok-2");
    t.client.renewAuth("tok-2");
    expect(t.last().sent.filter((m) => m.type === "auth")).toEqual([
      { type: "auth", token: "tok-1", last_seq: null },
      { type: "auth", token: "tok-2" },
    ]);
    expect(t.sockets).toHaveLength(1);
  });

  it("refreshes the token a minute before the JWT expires and re-authenticates the socket", async () => {
    const first = jwt(Date.now() + 15 * 60_000);
    const second = jwt(Date.now() + 30 * 60_000);
    const t = setup({ token: first, refresh: async () => second });
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0 } });
    await vi.advanceTimersByTimeAsync(13 * 60_000);
    expect(t.refresh).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.refresh).toHaveBeenCalledTimes(1);
    expect(t.last().sent.at(-1)).toEqual({ type: "auth", token: second });
  });

  it("refreshes after a 4401 close and reconnects with the new token", async () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.setToken("tok-2");
    t.last().drop(4401);
    await vi.advanceTimersByTimeAsync(0);
    expect(t.refresh).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1000);
    t.last().open();
    expect(t.last().sent[0]).toMatchObject({ type: "auth", token: "tok-2" });
  });

  it("goes offline and stops trying when the session is revoked (refresh fails after 4403)", async () => {
    const t = setup({ refresh: async () => null });
    t.client.start();
    t.last().open();
    t.last().drop(4403);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.client.currentStatus).toBe("offline");
    expect(t.sockets).toHaveLength(1);
  });

  it("gives up a socket that stays silent for 2.5 heartbeats and reconnects", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().receive({ type: "hello", data: { last_seq: 0, heartbeat_s: 20 } });
    vi.advanceTimersByTime(40_000);
    t.last().receive({ type: "ping", data: {} });
    vi.advanceTimersByTime(49_000);
    expect(t.client.currentStatus).toBe("live");
    vi.advanceTimersByTime(1_000);
    expect(t.sockets[0].closedWith).toBe(4000);
    expect(t.client.currentStatus).toBe("reconnecting");
    vi.advanceTimersByTime(1_000);
    expect(t.sockets).toHaveLength(2);
  });

  it("reconnects at once when the browser is back online, but never opens a second socket", () => {
    const t = setup();
    t.client.start();
    t.client.reconnectNow();
    expect(t.sockets).toHaveLength(1);
    t.last().drop();
    t.client.reconnectNow();
    expect(t.sockets).toHaveLength(2);
    t.client.reconnectNow();
    expect(t.sockets).toHaveLength(2);
  });

  it("closes and stays closed once stopped", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.client.stop();
    expect(t.sockets[0].closedWith).toBe(1000);
    vi.advanceTimersByTime(120_000);
    expect(t.sockets).toHaveLength(1);
  });

  it("ignores malformed frames", () => {
    const t = setup();
    t.client.start();
    t.last().open();
    t.last().onmessage?.({ data: "not json" } as MessageEvent);
    t.last().onmessage?.({ data: JSON.stringify({ nope: 1 }) } as MessageEvent);
    expect(t.messages).toEqual([]);
  });
});
