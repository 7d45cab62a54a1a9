"""The v3 ``treatments``, ``devicestatus`` and ``profile`` collections over the document
store v1 shares (``documents``).

The v3 rules (validation texts, UUIDv5 identifiers, immutable fields, 410 for a document
deleted softly) are applied here; storage, dedupe and a treatment's GlucoLens rows are the
store's. One difference from Nightscout: when a POST matches a stored document by its
fallback fields (e.g. the same ``created_at`` and ``eventType``) rather than by identifier,
the stored document keeps its identifier, and that is the ``identifier`` answered (with
``deduplicatedIdentifier`` the same), so a client's later PATCH or DELETE finds it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.integrations.nightscout import documents, v3
from glucolens.integrations.nightscout.doc_filters import OPERATORS, FilterError, fields
from glucolens.integrations.nightscout.entries import DEFAULT_SOURCE, REMOVED_FIELDS, source_of


def _v3(doc: dict[str, Any]) -> dict[str, Any]:
    """A stored document as v3 shows it: ``identifier``, no Mongo ``_id``."""
    return {k: v for k, v in doc.items() if k != "_id"}


def _clean(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k not in REMOVED_FIELDS}


def _hint(doc: dict[str, Any]) -> str | None:
    """v3 clients name themselves in ``app`` ("AAPS")."""
    app = doc.get("app")
    source = source_of({"device": app}) if isinstance(app, str) else DEFAULT_SOURCE
    return None if source == DEFAULT_SOURCE else source


def _stored(results: list[documents.Stored]) -> documents.Stored:
    [one] = results
    return one


class DocumentsStore:
    sortable: tuple[str, ...] = ("date", "created_at", "mills")
    raw_values = True

    def __init__(self, collection: str) -> None:
        self.collection = collection
        ops = tuple(op.lstrip("$") for op in OPERATORS)
        self.allowed: dict[str, tuple[str, ...]] = dict.fromkeys(fields(collection), ops)

    def _store(self, db: Session, user: User, doc: dict[str, Any], *, upsert: bool
               ) -> documents.Stored:  # fmt: skip
        try:
            results = documents.store(
                db, user, self.collection, [doc], upsert=upsert, source_hint=_hint(doc)
            )
        except documents.DocumentError as exc:
            raise v3.bad(f"Not stored: {exc.reason}") from None
        return _stored(results)

    def _existing(self, db: Session, user: User, identifier: str) -> dict[str, Any] | None:
        return documents.get(db, user, self.collection, identifier, include_deleted=True)

    def create(self, db: Session, user: User, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        doc = _clean(doc)
        v3.parse_date(doc)
        v3.resolve_identifier(doc)
        before = self._existing(db, user, str(doc["identifier"]))
        if before is not None:
            v3.validate_change(doc, before, patching=False, dedup=True)
        else:
            v3.validate_new(doc)
        stored = self._store(db, user, doc, upsert=False)
        modified = stored.doc.get("srvModified")
        if stored.created:
            return 201, {"identifier": stored.identifier, "lastModified": modified}
        out = {"identifier": stored.identifier, "isDeduplication": True, "lastModified": modified}
        if stored.identifier != doc["identifier"]:
            out["deduplicatedIdentifier"] = stored.identifier
        return 200, out

    def read(self, db: Session, user: User, identifier: str) -> dict[str, Any] | None:
        found = self._existing(db, user, identifier)
        return _v3(found) if found is not None else None

    def update(self, db: Session, user: User, identifier: str, doc: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]:  # fmt: skip
        doc = _clean(doc)
        v3.parse_date(doc)
        doc["identifier"] = identifier
        before = self._existing(db, user, identifier)
        if before is None:
            v3.validate_new(doc)
            stored = self._store(db, user, doc, upsert=True)
            return 201, {"identifier": stored.identifier, "lastModified": stored.doc["srvModified"]}
        if before.get("isValid") is False:
            raise v3.bad("Gone", 410)
        v3.validate_change(doc, before, patching=False)
        after = documents.update(db, user, self.collection, identifier, doc, patch=False)
        if after is None:  # deleted in between
            raise v3.bad("Gone", 410)
        return 200, {"lastModified": after["srvModified"]}

    def patch(self, db: Session, user: User, identifier: str, doc: dict[str, Any]) -> int | None:
        doc = _clean(doc)
        before = self._existing(db, user, identifier)
        if before is None:
            return None
        if before.get("isValid") is False:
            raise v3.bad("Gone", 410)
        v3.validate_change(doc, before, patching=True)
        after = documents.update(db, user, self.collection, identifier, doc, patch=True)
        if after is None:
            raise v3.bad("Gone", 410)
        return int(after["srvModified"])

    def delete(self, db: Session, user: User, identifier: str, *, permanent: bool) -> bool:
        return documents.delete(db, user, self.collection, identifier, permanent=permanent)

    def search(self, db: Session, user: User, query: v3.Search) -> list[dict[str, Any]]:
        if query.skip + query.limit > documents.MAX_FIND:
            raise v3.bad(v3.MSG_SKIP)
        filters = [(name, f"${op}", value) for name, op, value in query.filters]
        try:
            found = documents.find(
                db,
                user,
                self.collection,
                filters=filters,
                count=query.skip + query.limit,
                sort_desc=query.sort_desc,
            )
        except FilterError as exc:
            raise v3.bad(str(exc)) from None
        return [_v3(d) for d in found[query.skip :]]

    def history(self, db: Session, user: User, since: dt.datetime, inclusive: bool, limit: int
                ) -> list[dict[str, Any]]:  # fmt: skip
        since_ms = v3.ms_of(since) - (1 if inclusive else 0)
        found = documents.history(db, user, self.collection, since_ms, limit)
        return [_v3(d) for d in found]

    def last_modified(self, db: Session, user: User) -> int | None:
        return documents.last_modified(db, user).get(self.collection)
