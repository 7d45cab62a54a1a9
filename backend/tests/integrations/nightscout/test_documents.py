"""The document store under /api/v1 and /api/v3 (integrations/nightscout/documents.py),
called directly: dedupe, patch, soft and permanent delete, history, lastModified, filters.
Documents are AAPS-shaped (nightscout/AndroidAPS .../nsclient/extensions/BolusExtension.kt
and CarbsExtension.kt)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from glucolens.integrations.nightscout import documents
from glucolens.readings.models import InsulinDose
from tests.integrations.nightscout.test_treatments import aaps_bolus, iso, ms


def doses(db: Session, user) -> list[float]:
    db.expire_all()
    return [d.units for d in db.scalars(select(InsulinDose).where(InsulinDose.user_id == user.id))]


def test_store_dedupes_on_identifier_and_on_created_at_and_event_type(make_user, db: Session):
    user = make_user()
    [first] = documents.store(db, user, "treatments", [aaps_bolus(0, 1.0)])
    assert first.created and len(first.identifier) == 24
    [same] = documents.store(db, user, "treatments", [aaps_bolus(0, 1.0)])
    assert (same.identifier, same.created) == (first.identifier, False)
    assert same.doc["srvModified"] == first.doc["srvModified"]  # nothing changed
    [by_id] = documents.store(
        db, user, "treatments", [{**aaps_bolus(90, 2.0), "identifier": first.identifier}]
    )
    assert (by_id.identifier, by_id.created) == (first.identifier, False)
    assert doses(db, user) == [2.0]


def test_patch_keeps_the_time_and_replaces_the_rows(make_user, db: Session):
    user = make_user()
    [s] = documents.store(db, user, "treatments", [aaps_bolus(0, 1.0)])
    patched = documents.update(db, user, "treatments", s.identifier, {"insulin": 1.5}, patch=True)
    assert patched is not None
    assert (patched["insulin"], patched["date"]) == (1.5, ms(0))
    assert patched["srvModified"] >= s.doc["srvModified"]
    assert doses(db, user) == [1.5]
    moved = documents.update(db, user, "treatments", s.identifier, {"date": ms(30)}, patch=True)
    assert moved is not None and moved["created_at"] == iso(30)
    assert documents.update(db, user, "treatments", "nope", {"insulin": 1}, patch=True) is None


def test_soft_delete_shows_in_history_and_permanent_delete_removes(make_user, db: Session):
    user = make_user()
    a, b = documents.store(db, user, "treatments", [aaps_bolus(0, 1.0), aaps_bolus(5, 2.0)])
    assert documents.delete(db, user, "treatments", a.identifier, permanent=False)
    assert not documents.delete(db, user, "treatments", a.identifier, permanent=False)
    assert documents.get(db, user, "treatments", a.identifier) is None
    gone = documents.get(db, user, "treatments", a.identifier, include_deleted=True)
    assert gone is not None and gone["isValid"] is False
    assert doses(db, user) == [2.0]
    since = documents.history(db, user, "treatments", 0, 10)
    assert {d["identifier"] for d in since} == {a.identifier, b.identifier}
    assert since[-1]["identifier"] == a.identifier  # the latest change comes last
    assert documents.delete(db, user, "treatments", b.identifier, permanent=True)
    assert documents.get(db, user, "treatments", b.identifier, include_deleted=True) is None
    assert doses(db, user) == []
    latest = documents.last_modified(db, user)
    assert latest["treatments"] is not None and latest["profile"] is None


def test_filters_refuse_what_is_not_listed(make_user, db: Session):
    user = make_user()
    documents.store(db, user, "treatments", [aaps_bolus(0, 1.0), aaps_bolus(60, 2.0, smb=True)])
    found = documents.find(
        db, user, "treatments", filters=[("eventType", "$in", ["Correction Bolus", "Note"])]
    )
    assert [d["insulin"] for d in found] == [2.0]
    found = documents.find(db, user, "treatments", filters=[("date", "$lte", ms(30))])
    assert [d["insulin"] for d in found] == [1.0]
    for bad in (("insulin", "$gt", 1), ("date", "$where", 1), ("eventType", "$lt", "A")):
        with pytest.raises(documents.FilterError):
            documents.find(db, user, "treatments", filters=[bad])


def test_a_refused_row_is_named_and_the_document_kept(make_user, db: Session):
    user = make_user()
    [s] = documents.store(db, user, "treatments", [aaps_bolus(0, 150.0)])
    assert s.created and s.notes and "insulin" in s.notes[0]
    assert doses(db, user) == []
    assert documents.get(db, user, "treatments", s.identifier) is not None


def test_another_users_identifier_is_another_document(make_user, db: Session):
    alice, bob = make_user(), make_user()
    [a] = documents.store(
        db, alice, "devicestatus", [{"device": "loop://iPhone", "created_at": iso(0)}]
    )
    assert documents.get(db, bob, "devicestatus", a.identifier) is None
    assert not documents.delete(db, bob, "devicestatus", a.identifier, permanent=True)
    [b] = documents.store(db, bob, "devicestatus", [{"identifier": a.identifier, "device": "x"}])
    assert b.created and b.identifier == a.identifier
    assert documents.get(db, alice, "devicestatus", a.identifier)["device"] == "loop://iPhone"
