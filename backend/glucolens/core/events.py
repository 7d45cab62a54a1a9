"""Typed events that carry a write's effects to other domains, without imports up the floors.

A writer publishes on its session: ``publish(db, DataChanged(...))``. Subscribers are wired by
the entry points (``main.py``, ``cli.py``, the worker), never by the domains themselves, so a
writer never imports the reader that reacts to it.

Two phases:

- ``in_transaction`` subscribers run at once, inside the writer's transaction and with its
  session, so what they write becomes durable together with the write or not at all (day
  aggregates after a time-zone change).
- ``after_commit`` subscribers (the default) run only once the transaction has committed, and
  never after a rollback: jobs, mail and pushes must not announce data that was not stored.
  They get the event, not the session, and open their own session if they need one. A failing
  subscriber is logged and skipped: the write it reacts to is already durable.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_PENDING = "glucolens.pending_events"
Phase = Literal["in_transaction", "after_commit"]


@dataclass(frozen=True)
class DataChanged:
    """A user's health data changed: rows were inserted, edited or deleted."""

    user_id: uuid.UUID
    kinds: frozenset[str]
    earliest: dt.datetime | None = None
    latest: dt.datetime | None = None
    newest_reading_at: dt.datetime | None = None
    source: str | None = None
    is_backfill: bool = False


@dataclass(frozen=True)
class ProfileChanged:
    """Profile fields changed (``timezone``, ``unit``, targets, ...)."""

    user_id: uuid.UUID
    fields: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class DataRemoved:
    """Rows were deleted (all of one source's, a source's or everyone's rows in a time range,
    or the whole account's); results computed from them are void. ``source`` is None when
    rows of every source went; ``start``/``end`` bound the half-open time range when the
    deletion had one (sources/deletion.py's rule: a row's time, or a span's start)."""

    user_id: uuid.UUID
    source: str | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@dataclass(frozen=True)
class AccountDeleted:
    """A user and every row of theirs were deleted. After commit, subscribers remove what
    lives outside the database (files an importer stored under the data dir). The rows are
    gone by then, so what they need must be derivable from the user id."""

    user_id: uuid.UUID


@dataclass(frozen=True)
class Broadcast:
    """A message for the user's real-time channel (``/ws/alerts``), sent after commit by the
    hub subscriber (core/hub.py): ``type`` such as ``reading``, ``alert.raised``,
    ``alert.resolved``, ``alert.acknowledged``; ``data`` JSON-able, already in the shape the
    web app reads."""

    user_id: uuid.UUID
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    # The publisher's reference (an alert delivery's id) to ask the hub afterwards whether
    # this message went out (core/hub.unpublished); None: nobody asks.
    ref: int | None = None


@dataclass(frozen=True)
class DeliveriesQueued:
    """Alert delivery rows (``alert_deliveries.id``) written in this transaction, to be sent
    after commit by alerts/delivery.py's subscriber; a rollback sends nothing. The WebSocket
    rows (their Broadcast went out with the same commit) are only marked sent, in bulk."""

    delivery_ids: tuple[int, ...]
    websocket_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class InsightsUpdated:
    """An insights run stored recurring patterns or anomalies that its previous results did
    not have (the alerts' "pattern" feed reacts). Each finding is a small dict with a
    ``key`` stable across runs and what a feed item shows; no glucose values."""

    user_id: uuid.UUID
    patterns: tuple[dict[str, Any], ...] = ()
    anomalies: tuple[dict[str, Any], ...] = ()


E = TypeVar("E")
_subscribers: dict[tuple[type, Phase], list[Callable[..., None]]] = defaultdict(list)


def subscribe(
    event_type: type[E], handler: Callable[..., None], phase: Phase = "after_commit"
) -> None:
    """Register ``handler`` (idempotent). ``in_transaction`` handlers are called as
    ``handler(session, event)``; ``after_commit`` handlers as ``handler(event)``."""
    handlers = _subscribers[(event_type, phase)]
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(
    event_type: type[E], handler: Callable[..., None], phase: Phase = "after_commit"
) -> None:
    handlers = _subscribers.get((event_type, phase), [])
    if handler in handlers:
        handlers.remove(handler)


def publish(session: Session, evt: Any) -> None:
    """Run the in-transaction subscribers now; queue the event for delivery after commit."""
    for handler in list(_subscribers.get((type(evt), "in_transaction"), ())):
        handler(session, evt)
    session.info.setdefault(_PENDING, []).append(evt)


def pending(session: Session) -> list[Any]:
    return list(session.info.get(_PENDING, ()))


@event.listens_for(Session, "after_commit")
def _deliver(session: Session) -> None:
    events = session.info.pop(_PENDING, [])
    for evt in events:
        for handler in list(_subscribers.get((type(evt), "after_commit"), ())):
            try:
                handler(evt)
            except Exception:  # noqa: BLE001 - the write is durable; log and go on
                log.exception(
                    "event subscriber failed",
                    extra={"fields": {"event": type(evt).__name__, "handler": handler.__name__}},
                )


@event.listens_for(Session, "after_rollback")
def _drop(session: Session) -> None:
    session.info.pop(_PENDING, None)
