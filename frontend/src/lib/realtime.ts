/**
 * The real-time channel (`/ws/alerts`, docs/realtime.md): one WebSocket per tab carrying new
 * readings and alert changes. This module is plain TypeScript (no React), so its protocol can
 * be tested with a fake socket and fake timers; `hooks/use-realtime.ts` wires it to the app.
 *
 * Protocol, client side:
 * - The token goes in the first message (`{"type":"auth","token","last_seq"}`), never in the
 *   URL: URLs end up in proxy and server logs.
 * - A new access token (a refresh, or the renewal scheduled before the JWT's `exp`) is sent on
 *   the open socket as `{"type":"auth","token"}` so the server does not close it at expiry.
 * - `ping` is answered with `pong`; the server closes a socket that stops answering.
 * - Every server message carries `seq`; the client keeps the highest it has handled and sends
 *   it when it reconnects, so the server replays what was missed. Replayed messages it already
 *   has (seq <= last) are dropped. `replay.gap` (or a server whose sequence went backwards,
 *   e.g. restarted without Redis) means messages are lost: the app refetches its state.
 * - A dropped connection reconnects with exponential backoff and full jitter, so a server
 *   restart is not met by every tab at the same instant.
 * - A connection that goes silent (a laptop waking up, a proxy that dropped it without a close)
 *   is given up after 2.5 heartbeats without any message, so "Live" is never shown for a dead
 *   socket.
 */

export type RealtimeStatus = "idle" | "connecting" | "live" | "reconnecting" | "offline";

export interface Envelope<T = Record<string, unknown>> {
  seq: number;
  type: string;
  at: string;
  data: T;
}

/** The `reading` message's data (docs/realtime.md). */
export interface ReadingMessage {
  ts: string;
  value_mgdl: number;
  value: number;
  unit: string;
  trend: string | null;
  delta: number | null;
  delta_mgdl: number | null;
  source: string;
  /** "low"/"high" when the sensor reported below or above its range. */
  flag?: string | null;
}

/** The subset of the browser's WebSocket the client uses (the tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: Event) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
}

export interface RealtimeOptions {
  url: string;
  /** The current access token (or null when signed out). */
  getToken: () => string | null;
  /** Get a new access token (refresh cookie); null when the session is over. */
  refreshToken: () => Promise<string | null>;
  onMessage: (msg: Envelope) => void;
  onStatus: (status: RealtimeStatus) => void;
  /** Messages were lost: refetch whatever the app shows from the server. */
  onGap: () => void;
  createSocket?: (url: string) => SocketLike;
  random?: () => number;
  now?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Renew this long before the access token's `exp`. */
  renewBeforeMs?: number;
}

const OPEN = 1;
export const CLOSE_UNAUTHENTICATED = 4401;
export const CLOSE_REVOKED = 4403;
const CONTROL_TYPES = new Set(["hello", "ping", "replay.gap", "error"]);

/** `ws://host/ws/alerts` or `wss://` on an https page: same origin, so cookies and the CSP agree. */
export function realtimeUrl(loc: { protocol: string; host: string }, path = "/ws/alerts"): string {
  return `${loc.protocol === "https:" ? "wss:" : "ws:"}//${loc.host}${path}`;
}

/** The `exp` (ms) of a JWT, or null for anything else (an API key, a malformed token). */
export function tokenExpiry(token: string): number | null {
  const part = token.split(".")[1];
  if (!part) return null;
  try {
    const json = atob(
      part
        .replace(/-/g, "+")
        .replace(/_/g, "/")
        .padEnd(Math.ceil(part.length / 4) * 4, "="),
    );
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === "number" && Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Backoff before reconnect attempt `attempt` (0-based): full jitter over an exponential cap. */
export function backoffDelay(attempt: number, random: () => number, baseMs = 1000, maxMs = 30_000): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  // At least half the cap: a zero delay would let a flapping server be hammered.
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export class RealtimeClient {
  private socket: SocketLike | null = null;
  private lastSeq: number | null = null;
  private attempt = 0;
  private stopped = true;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private renewTimer: ReturnType<typeof setTimeout> | null = null;
  private silenceTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatMs: number | null = null;
  private status: RealtimeStatus = "idle";
  private sentToken: string | null = null;
  private readonly opts: Required<Omit<RealtimeOptions, "createSocket">> & { createSocket: (url: string) => SocketLike };

  constructor(options: RealtimeOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url) as unknown as SocketLike,
      random: Math.random,
      now: Date.now,
      baseDelayMs: 1000,
      maxDelayMs: 30_000,
      renewBeforeMs: 60_000,
      ...options,
    };
  }

  /** The highest sequence number handled so far (sent as `last_seq` on reconnect). */
  get seq(): number | null {
    return this.lastSeq;
  }

  /** Started and not stopped (a sign-out stops it; a new sign-in starts it again). */
  get running(): boolean {
    return !this.stopped;
  }

  get currentStatus(): RealtimeStatus {
    return this.status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    this.clearTimers();
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null;
      s.close(1000, "bye");
    }
    this.setStatus("idle");
  }

  /** The access token changed (refresh, sign-in in another tab): authenticate the open socket again. */
  renewAuth(token: string | null): void {
    if (this.stopped) return;
    if (!token) {
      // Signed out: close, and stay closed until started again.
      this.stop();
      this.setStatus("offline");
      return;
    }
    if (this.socket?.readyState === OPEN && token !== this.sentToken) {
      this.sentToken = token;
      this.send({ type: "auth", token });
    }
    this.scheduleRenewal(token);
  }

  /** Reconnect now (the browser says it is online again) instead of waiting out the backoff. */
  reconnectNow(): void {
    // Only while waiting out a backoff: a connect already under way (or a refresh) must not
    // be doubled into two sockets.
    if (this.stopped || this.socket || !this.reconnectTimer) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.connect();
  }

  private connect(): void {
    const token = this.opts.getToken();
    if (!token) {
      // No token yet (or any more): ask for one, then try; without a session stay offline.
      this.setStatus(this.attempt === 0 ? "connecting" : "reconnecting");
      void this.opts.refreshToken().then((t) => {
        if (this.stopped) return;
        if (t) this.connect();
        else this.setStatus("offline");
      });
      return;
    }
    this.setStatus(this.attempt === 0 && this.lastSeq === null ? "connecting" : "reconnecting");
    let socket: SocketLike;
    try {
      socket = this.opts.createSocket(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      const current = this.opts.getToken() ?? token;
      this.sentToken = current;
      this.send({ type: "auth", token: current, last_seq: this.lastSeq });
      this.scheduleRenewal(current);
    };
    socket.onmessage = (ev) => this.onRaw(ev.data);
    socket.onerror = () => {
      /* a close event follows; reconnecting is decided there */
    };
    socket.onclose = (ev) => this.onClose(socket, ev.code);
  }

  private onRaw(raw: unknown): void {
    this.watchSilence();
    if (typeof raw !== "string") return;
    let msg: Envelope;
    try {
      msg = JSON.parse(raw) as Envelope;
    } catch {
      return;
    }
    if (!msg || typeof msg.type !== "string") return;
    switch (msg.type) {
      case "ping":
        this.send({ type: "pong" });
        return;
      case "hello":
        this.onHello(msg as Envelope<{ last_seq?: number | null; heartbeat_s?: number }>);
        return;
      case "replay.gap": {
        // Follow the server's numbering from here, even backwards (a restarted hub counts anew).
        const current = (msg.data as { last_seq?: unknown } | undefined)?.last_seq;
        this.lastSeq = typeof current === "number" ? current : typeof msg.seq === "number" ? msg.seq : null;
        this.opts.onGap();
        return;
      }
      case "error":
        return;
    }
    if (typeof msg.seq === "number") {
      // A replayed message handled before the reconnect: drop it.
      if (this.lastSeq !== null && msg.seq <= this.lastSeq) return;
      this.lastSeq = msg.seq;
    }
    if (!CONTROL_TYPES.has(msg.type)) this.opts.onMessage(msg);
  }

  private onHello(msg: Envelope<{ last_seq?: number | null; heartbeat_s?: number }>): void {
    this.attempt = 0;
    const hb = msg.data?.heartbeat_s;
    this.heartbeatMs = typeof hb === "number" && hb > 0 ? hb * 1000 : null;
    this.watchSilence();
    const serverSeq = typeof msg.data?.last_seq === "number" ? msg.data.last_seq : null;
    if (serverSeq !== null) {
      if (this.lastSeq !== null && serverSeq < this.lastSeq) {
        // The server's sequence went backwards (restarted, hub without Redis): we cannot know
        // what was missed, so refetch and follow the server's numbering from here.
        this.lastSeq = serverSeq;
        this.opts.onGap();
      } else if (this.lastSeq === null) {
        this.lastSeq = serverSeq;
      }
    }
    this.setStatus("live");
  }

  /** (Re)arm the silence watchdog: the server pings every heartbeat, so silence means a dead link. */
  private watchSilence(): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    if (this.heartbeatMs === null || !this.socket) return;
    const socket = this.socket;
    this.silenceTimer = setTimeout(() => {
      this.silenceTimer = null;
      if (socket !== this.socket) return;
      // A dead link may never deliver its close event: drop the socket ourselves.
      socket.onclose = socket.onmessage = socket.onerror = socket.onopen = null;
      try {
        socket.close(4000, "silent");
      } catch {
        /* already closed */
      }
      this.onClose(socket, 4000, true);
    }, this.heartbeatMs * 2.5);
  }

  private onClose(socket: SocketLike, code: number, force = false): void {
    if (socket !== this.socket && !force) return;
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    this.heartbeatMs = null;
    this.socket = null;
    this.sentToken = null;
    if (this.stopped) return;
    if (code === CLOSE_UNAUTHENTICATED || code === CLOSE_REVOKED) {
      // Expired or revoked: one refresh decides. A revoked session fails it and the app signs out.
      this.setStatus("reconnecting");
      void this.opts.refreshToken().then((t) => {
        if (this.stopped) return;
        if (t) this.scheduleReconnect();
        else this.setStatus("offline");
      });
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped) return;
    this.setStatus("reconnecting");
    const delay = backoffDelay(this.attempt, this.opts.random, this.opts.baseDelayMs, this.opts.maxDelayMs);
    this.attempt += 1;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, delay);
  }

  /** Refresh the access token shortly before it expires; the new token reaches us via renewAuth. */
  private scheduleRenewal(token: string): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = null;
    const exp = tokenExpiry(token);
    if (exp === null) return;
    const wait = Math.max(5_000, exp - this.opts.now() - this.opts.renewBeforeMs);
    this.renewTimer = setTimeout(() => {
      this.renewTimer = null;
      if (this.stopped) return;
      void this.opts.refreshToken().then((t) => {
        // The auth store's change normally calls renewAuth; do it here too in case nobody listens.
        if (t) this.renewAuth(t);
      });
    }, wait);
  }

  private send(body: Record<string, unknown>): void {
    if (this.socket?.readyState !== OPEN) return;
    try {
      this.socket.send(JSON.stringify(body));
    } catch {
      /* the close event that follows reconnects */
    }
  }

  private setStatus(status: RealtimeStatus): void {
    if (status === this.status) return;
    this.status = status;
    this.opts.onStatus(status);
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.renewTimer) clearTimeout(this.renewTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.reconnectTimer = this.renewTimer = this.silenceTimer = null;
  }
}
