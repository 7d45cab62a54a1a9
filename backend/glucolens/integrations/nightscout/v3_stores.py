"""What the v3 router needs of a collection, and where each collection is kept: entries
as glucose readings (``v3_entries``), treatments, devicestatus and profile as documents
(``v3_documents``)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from sqlalchemy.orm import Session

from glucolens.auth.models import User
from glucolens.integrations.nightscout import documents, v3, v3_entries
from glucolens.integrations.nightscout.v3_documents import DocumentsStore


class Store(Protocol):
    allowed: dict[str, tuple[str, ...]]  # filter field -> operators
    sortable: tuple[str, ...]
    raw_values: bool  # filter values passed as sent (the store parses them)

    def create(self, db: Session, user: User, doc: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]: ...  # fmt: skip
    def read(self, db: Session, user: User, identifier: str) -> dict[str, Any] | None: ...
    def update(self, db: Session, user: User, identifier: str, doc: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]: ...  # fmt: skip
    def patch(self, db: Session, user: User, identifier: str, doc: dict[str, Any]
              ) -> int | None: ...  # fmt: skip
    def delete(self, db: Session, user: User, identifier: str, *, permanent: bool) -> bool: ...
    def search(self, db: Session, user: User, query: v3.Search) -> list[dict[str, Any]]: ...
    def history(self, db: Session, user: User, since: dt.datetime, inclusive: bool, limit: int
                ) -> list[dict[str, Any]]: ...  # fmt: skip
    def last_modified(self, db: Session, user: User) -> int | None: ...


class EntriesStore:
    allowed = v3_entries.ALLOWED
    sortable = v3_entries.SORTABLE
    raw_values = False

    def create(self, db: Session, user: User, doc: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return v3_entries.create(db, user, doc)

    def read(self, db: Session, user: User, identifier: str) -> dict[str, Any] | None:
        row = v3_entries.find(db, user, identifier)
        return v3_entries.to_doc(row) if row is not None else None

    def update(self, db: Session, user: User, identifier: str, doc: dict[str, Any]
               ) -> tuple[int, dict[str, Any]]:  # fmt: skip
        return v3_entries.update(db, user, identifier, doc)

    def patch(self, db: Session, user: User, identifier: str, doc: dict[str, Any]) -> int | None:
        return v3_entries.patch(db, user, identifier, doc)

    def delete(self, db: Session, user: User, identifier: str, *, permanent: bool) -> bool:
        return v3_entries.remove(db, user, identifier)  # readings are always removed

    def search(self, db: Session, user: User, query: v3.Search) -> list[dict[str, Any]]:
        return v3_entries.search(db, user, query)

    def history(self, db: Session, user: User, since: dt.datetime, inclusive: bool, limit: int
                ) -> list[dict[str, Any]]:  # fmt: skip
        return v3_entries.history(db, user, since, inclusive, limit)

    def last_modified(self, db: Session, user: User) -> int | None:
        return v3_entries.last_modified(db, user)


STORES: dict[str, Store] = {
    "entries": EntriesStore(),
    **{name: DocumentsStore(name) for name in documents.COLLECTIONS},
}
