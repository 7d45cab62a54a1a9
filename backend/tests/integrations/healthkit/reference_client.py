"""A reference client of the HealthKit sync protocol (docs/healthkit-sync.md), in Python,
against a simulated HealthKit store. GlucoLensKit (Swift) does what this does:

1. Per type, an anchored query (HKAnchoredObjectQuery) from the anchor committed on the
   device returns the samples added and the objects deleted since then, and a new anchor.
2. The changes go into one batch with a batch_id made BEFORE the first attempt. The batch
   and the anchors it would commit are saved on the device as "pending" before sending.
3. The batch is sent, and retried with the SAME batch_id on network errors, 429 (after
   Retry-After), 500, 502, 503 and 504, with exponential backoff and full jitter.
4. Only after a 2xx are the new anchors committed and the pending batch dropped. A crash
   before that leaves the pending batch, which the next run sends again as it was (the
   server answers it from its store: nothing is applied twice).
5. A 409 means the batch_id was used for other content (a client bug, or a pending batch
   rebuilt): the batch is dropped and rebuilt from the committed anchors with a new id.
   Other 4xx are not retried: the batch is kept and the error is reported.

The HTTP side is any ``send(body, headers) -> (status, headers, json)``; the tests pass
one built on FastAPI's TestClient or on a real server over a socket.
"""

from __future__ import annotations

import copy
import dataclasses
import random
import uuid
from collections.abc import Callable
from typing import Any

from glucolens.integrations.healthkit.schemas import SAMPLE_TYPES

SYNC_PATH = "/api/v1/integrations/healthkit/sync"
TYPES = SAMPLE_TYPES  # the keys of "samples" (docs/healthkit-sync.md)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
Response = tuple[int, dict[str, str], Any]
Send = Callable[[dict[str, Any]], Response]


class NetworkError(Exception):
    """The request did not get an answer (no connection, timeout, connection reset)."""


class SimulatedCrash(Exception):
    """The app was killed (raised by the test hooks)."""


class SyncFailed(Exception):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"sync failed with {status}: {body!r:.300}")
        self.status = status
        self.body = body


# -- the device's HealthKit store


class SimulatedHealthStore:
    """Samples per type with HealthKit's change order: every save and delete gets the next
    sequence number, and an anchor is the last number a query saw (HKQueryAnchor is opaque
    to the app; this one is an int for the tests)."""

    def __init__(self) -> None:
        self.seq = 0
        self.samples: dict[str, dict[str, tuple[int, dict[str, Any]]]] = {t: {} for t in TYPES}
        self.deleted: dict[str, list[tuple[int, str]]] = {t: [] for t in TYPES}

    def save(self, type_: str, sample: dict[str, Any]) -> dict[str, Any]:
        self.seq += 1
        self.samples[type_][sample["uuid"]] = (self.seq, sample)
        return sample

    def delete(self, type_: str, uid: str) -> None:
        self.seq += 1
        self.samples[type_].pop(uid, None)
        self.deleted[type_].append((self.seq, uid))

    def anchored_query(
        self, type_: str, anchor: int | None, limit: int
    ) -> tuple[list[dict[str, Any]], list[str], int | None]:
        """(samples added, UUIDs deleted, new anchor) after ``anchor``; at most ``limit``
        changes, oldest first, as HKAnchoredObjectQuery with a limit. A nil anchor returns
        every sample and no deletions (there is nothing to delete from the app's view)."""
        since = anchor or 0
        added = [(s, x) for s, x in self.samples[type_].values() if s > since]
        deleted = (
            [(s, u) for s, u in self.deleted[type_] if s > since] if anchor is not None else []
        )
        changes = sorted([(s, "a", x) for s, x in added] + [(s, "d", u) for s, u in deleted])
        changes = changes[:limit]
        new_anchor = changes[-1][0] if changes else anchor
        return (
            [copy.deepcopy(x) for _, kind, x in changes if kind == "a"],
            [u for _, kind, u in changes if kind == "d"],
            new_anchor,
        )


# -- the app's own persistent state (UserDefaults / a file in the app container)


@dataclasses.dataclass
class DeviceState:
    anchors: dict[str, int | None] = dataclasses.field(default_factory=lambda: dict.fromkeys(TYPES))
    pending: dict[str, Any] | None = None  # {"body": ..., "anchors": ...}


@dataclasses.dataclass
class Backoff:
    """Exponential backoff with full jitter: a random wait in [0, min(cap, base * 2^n)];
    Retry-After, when the server sends one, is a floor."""

    base_s: float = 1.0
    cap_s: float = 300.0
    attempts: int = 8
    rng: random.Random = dataclasses.field(default_factory=lambda: random.Random(7))

    def delay(self, attempt: int, retry_after: str | None) -> float:
        wait = self.rng.uniform(0, min(self.cap_s, self.base_s * 2**attempt))
        if retry_after and retry_after.isdigit():
            wait = max(wait, float(retry_after))
        return wait


class SyncClient:
    def __init__(
        self,
        store: SimulatedHealthStore,
        send: Send,
        *,
        state: DeviceState | None = None,
        batch_limit: int = 10_000,
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] = lambda _s: None,
        clock: Callable[[], str] | None = None,
        app_version: str = "1.0 (reference)",
    ) -> None:
        self.store = store
        self.send = send
        self.state = state or DeviceState()
        self.batch_limit = batch_limit
        self.backoff = backoff or Backoff()
        self.sleep = sleep
        self.clock = clock
        self.app_version = app_version
        self.slept: list[float] = []
        self.answers: list[dict[str, Any]] = []
        # Test hooks: called between steps; raise SimulatedCrash to "kill the app" there.
        self.after_upload: Callable[[], None] = lambda: None

    # One batch: the pending one if a crash left it, else the next changes.
    def sync_once(self) -> dict[str, Any] | None:
        if self.state.pending is None:
            pending = self._next_batch()
            if pending is None:
                return None
            self.state.pending = pending  # saved BEFORE the first attempt
        pending = self.state.pending
        status, body = self._post(pending["body"])
        if status == 409:
            self.state.pending = None  # its batch_id is spoken for: rebuild with a new one
            return self.sync_once()
        if not 200 <= status < 300:
            raise SyncFailed(status, body)
        self.after_upload()
        # Only now: the anchors move, and the pending batch is forgotten.
        self.state.anchors.update(pending["anchors"])
        self.state.pending = None
        self.answers.append(body)
        return body

    def sync_all(self, max_batches: int = 1000) -> list[dict[str, Any]]:
        answers = []
        for _ in range(max_batches):
            answer = self.sync_once()
            if answer is None:
                return answers
            answers.append(answer)
        raise AssertionError("the store never ran out of changes")

    def reset_anchors(self) -> None:
        """What the app does when HealthKit's anchor is lost or invalid (reinstall, restore,
        a new phone): everything is sent again; the server dedupes by UUID."""
        self.state.anchors = dict.fromkeys(TYPES)

    def _next_batch(self) -> dict[str, Any] | None:
        samples: dict[str, list[dict[str, Any]]] = {}
        deletions: list[dict[str, str]] = []
        anchors: dict[str, int | None] = {}
        room = self.batch_limit
        for type_ in TYPES:
            if room <= 0:
                break
            added, deleted, anchor = self.store.anchored_query(
                type_, self.state.anchors[type_], room
            )
            room -= len(added) + len(deleted)
            if added:
                samples[type_] = added
            deletions += [{"type": type_, "uuid": u} for u in deleted]
            if anchor != self.state.anchors[type_]:
                anchors[type_] = anchor
        if not samples and not deletions:
            self.state.anchors.update(anchors)
            return None
        body: dict[str, Any] = {
            "batch_id": str(uuid.uuid4()),
            "app_bundle_id": "org.glucolens.app",
            "app_version": self.app_version,
            "device_model": "iPhone15,2",
            "system_version": "17.4.1",
            "time_zone": "Europe/Berlin",
            "samples": samples,
            "deletions": deletions,
        }
        return {"body": body, "anchors": anchors}

    def _post(self, body: dict[str, Any]) -> tuple[int, Any]:
        for attempt in range(self.backoff.attempts):
            attempt_body = dict(body)
            if self.clock is not None:
                # Per attempt; the server leaves sent_at out when it compares retries.
                attempt_body["sent_at"] = self.clock()
            try:
                status, headers, answer = self.send(attempt_body)
            except NetworkError:
                status, headers, answer = 0, {}, None
            if status and status not in RETRY_STATUSES:
                return status, answer
            if attempt + 1 == self.backoff.attempts:
                return status, answer
            wait = self.backoff.delay(attempt, headers.get("retry-after"))
            self.slept.append(wait)
            self.sleep(wait)
        raise AssertionError("unreachable")


def over_testclient(client: Any, headers: dict[str, str]) -> Send:
    """``send`` over FastAPI's TestClient (the app in process, its real database)."""

    def send(body: dict[str, Any]) -> Response:
        r = client.post(SYNC_PATH, json=body, headers=headers)
        return r.status_code, {k.lower(): v for k, v in r.headers.items()}, r.json()

    return send
