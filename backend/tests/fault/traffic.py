"""Clients as a fault test drives them: several uploaders sending overlapping batches of one
user's readings, each retrying on connection errors, 429 and 503 until its batch is taken,
and a prober reading the dashboard, the profile and signing in meanwhile. Every answer
is recorded with its time, so the test can say what the app answered while degraded."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2

RETRYABLE = {429, 503}
# Server errors are retried too (and recorded as failures): otherwise one 500 would also
# show up as missing rows and hide whether the data itself survived.
MAX_SERVER_ERRORS_PER_BATCH = 10


@dataclass
class Event:
    t: float  # time.monotonic()
    who: str
    what: str  # "200", "503", ... or the transport error's class name
    detail: str = ""


@dataclass
class Journal:
    events: list[Event] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, who: str, what: str, detail: str = "") -> None:
        with self.lock:
            self.events.append(Event(time.monotonic(), who, what, detail))

    def bad_answers(self) -> list[Event]:
        """HTTP answers other than 2xx, 429 and a well-formed 503."""
        return [e for e in self.events if e.what.isdigit() and _bad(e)]

    def transport_errors(self) -> list[Event]:
        return [e for e in self.events if not e.what.isdigit()]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.events:
            out[e.what] = out.get(e.what, 0) + 1
        return out


def _bad(e: Event) -> bool:
    code = int(e.what)
    return not (200 <= code < 300 or code == 429 or (code == 503 and e.detail == ""))


def check_503(response: httpx2.Response) -> str:
    """'' when a 503 has Retry-After and the documented error body, else what is wrong."""
    if not response.headers.get("retry-after"):
        return "503 without Retry-After"
    try:
        error = response.json()["error"]
        assert {"code", "message", "details"} <= set(error)
    except (ValueError, KeyError, TypeError, AssertionError):
        return f"503 body not in the error shape: {response.text[:200]}"
    return ""


def readings(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """n unique 5-minute readings ending an hour ago; every other one carries an external
    id, so both idempotency keys (source+external_id, source+time) are exercised."""
    rng = random.Random(seed)
    end = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    out = []
    for i in range(n):
        item: dict[str, Any] = {
            "timestamp": (end - dt.timedelta(minutes=5 * (n - 1 - i))).isoformat(),
            "value": float(rng.randint(55, 320)),
            "source": "fault-cgm",
        }
        if i % 2 == 0:
            item["external_id"] = f"r{i}"
        out.append(item)
    return out


def overlapping_batches(items: list[dict[str, Any]], size: int) -> list[str]:
    """Windows of ``size`` moved by size/2: every reading is in two batches."""
    step = size // 2
    starts = range(0, max(1, len(items) - step), step)
    return [json.dumps({"items": items[s : s + size]}) for s in starts]


class Uploader(threading.Thread):
    """Sends every batch (in its own order) until each is accepted or time runs out."""

    def __init__(
        self, name: str, base: str, token: str, batches: list[str], journal: Journal,
        deadline: float, progress: Progress, gate: threading.Event | None = None,
    ) -> None:  # fmt: skip
        super().__init__(name=name, daemon=True)
        self.base, self.token, self.journal, self.deadline = base, token, journal, deadline
        self.batches = list(batches)
        random.Random(name).shuffle(self.batches)
        self.progress = progress
        self.undelivered = 0
        self.gate = gate  # wait for it before sending anything
        self.sending = threading.Event()

    def run(self) -> None:
        if self.gate is not None:
            self.gate.wait()
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        with httpx2.Client(base_url=self.base, timeout=60, headers=headers) as client:
            for body in self.batches:
                if not self._deliver(client, body):
                    self.undelivered += 1
                self.progress.tick()

    def _deliver(self, client: httpx2.Client, body: str) -> bool:
        server_errors = 0
        while time.monotonic() < self.deadline:
            self.sending.set()
            try:
                r = client.post("/api/v1/glucose/bulk", content=body)
            except httpx2.TransportError as exc:
                self.journal.add(self.name, type(exc).__name__, str(exc)[:200])
                time.sleep(0.2)
                continue
            detail = check_503(r) if r.status_code == 503 else ""
            if r.status_code >= 500 and r.status_code != 503:
                detail = r.text[:300]
            self.journal.add(self.name, str(r.status_code), detail)
            if r.status_code == 200:
                return True
            if r.status_code in RETRYABLE:
                time.sleep(min(float(r.headers.get("retry-after", "1")), 2.0) * random.random())
                continue
            if r.status_code >= 500:
                server_errors += 1
                if server_errors < MAX_SERVER_ERRORS_PER_BATCH:
                    time.sleep(0.2)
                    continue
            return False
        return False


class Progress:
    def __init__(self, total: int) -> None:
        self.total, self.done = total, 0
        self.lock = threading.Lock()
        self.half = threading.Event()

    def tick(self) -> None:
        with self.lock:
            self.done += 1
            if self.done >= self.total * 0.4:
                self.half.set()


class Prober(threading.Thread):
    """Reads while the writers write: the answers a user at the dashboard would get."""

    PATHS = ("/api/v1/dashboard/summary", "/api/v1/auth/me", "/api/v1/glucose?limit=5")

    def __init__(self, base: str, token: str, email: str, password: str, journal: Journal):
        super().__init__(name="prober", daemon=True)
        self.base, self.token, self.journal = base, token, journal
        self.login = {"email": email, "password": password}
        self.stop = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx2.Client(base_url=self.base, timeout=30, headers=headers) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                self._one(client, "GET", self.PATHS[n % len(self.PATHS)])
                if n % 20 == 0:  # under the per-account login limit most of the time
                    self._one(client, "POST", "/api/v1/auth/login", self.login)
                self.stop.wait(0.25)

    def _one(self, client: httpx2.Client, method: str, path: str, body: Any = None) -> None:
        who = f"prober {method} {path.split('?')[0]}"
        try:
            r = client.request(method, path, json=body)
        except httpx2.TransportError as exc:
            self.journal.add(who, type(exc).__name__, str(exc)[:200])
            return
        detail = check_503(r) if r.status_code == 503 else ""
        if r.status_code >= 500 and r.status_code != 503:
            detail = r.text[:300]
        self.journal.add(who, str(r.status_code), detail)
