"""Issue 12, "Out": DELETE /api/v1/account removes the account and every row of it, in every
table (walked from Base.metadata, so tables added later are covered), ends every credential
at once, needs the password, and is refused to API keys. The account's rows come from
tests/exports/fill.py (docs/api.md shapes)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Table, func, inspect, select
from sqlalchemy.orm import Session

from glucolens.auth.models import PasswordResetToken
from glucolens.core.cache import get_cache
from glucolens.core.db import Base, get_engine, utcnow
from glucolens.core.events import AccountDeleted, subscribe, unsubscribe
from glucolens.insights.repository import cache_key
from tests.auth.conftest import AUTH, bearer
from tests.conftest import TEST_PASSWORD
from tests.exports.fill import Filled, fill_account

ACCOUNT = "/api/v1/account"
# Tables the fixture below fills for the user, so "zero rows afterwards" proves something.
FILLED = {
    "users",
    "user_sessions",
    "refresh_tokens",
    "password_reset_tokens",
    "api_keys",
    "glucose_readings",
    "glucose_daily",
    "insulin_doses",
    "meals",
    "sleep_sessions",
    "activities",
    "insight_results",
    "insight_jobs",
    "pattern_stream_states",
    "import_jobs",
}


def owner_columns(table: Table) -> list[str]:
    """The columns of ``table`` that point at a user (``users.id`` itself for users)."""
    if table.name == "users":
        return ["id"]
    return [fk.parent.name for fk in table.foreign_keys if fk.column.table.name == "users"]


def rows_of(db: Session, user_id: uuid.UUID) -> dict[str, int]:
    """Rows per table that belong to ``user_id``, for every table of Base.metadata."""
    counts = {}
    for table in Base.metadata.sorted_tables:
        for column in owner_columns(table):
            n = db.execute(
                select(func.count()).select_from(table).where(table.c[column] == user_id)
            ).scalar_one()
            counts[f"{table.name}.{column}"] = int(n)
    return counts


@pytest.fixture
def full(client, db, make_user, login) -> Filled:
    user = make_user(timezone="Europe/Berlin")
    r = login(user.email)
    headers = bearer(r.json()["access_token"])
    filled = fill_account(client, db, user, headers, tag="gone")
    filled.refresh_token = r.json()["refresh_token"]  # type: ignore[attr-defined]
    db.add(PasswordResetToken(user_id=user.id, token_hash=uuid.uuid4().hex, expires_at=utcnow()))
    db.commit()
    key = client.post(
        f"{AUTH}/api-keys", json={"name": "uploader", "scopes": ["read"]}, headers=headers
    )
    filled.api_key = key.json()["key"]  # type: ignore[attr-defined]
    return filled


def test_every_user_foreign_key_cascades_in_the_database():
    """Checked on the migrated database itself (PostgreSQL, or SQLite with foreign_keys on),
    not on the models: a migration that forgot ON DELETE CASCADE fails here."""
    engine = get_engine()
    inspector = inspect(engine)
    referencing = []
    for name in inspector.get_table_names():
        for fk in inspector.get_foreign_keys(name):
            if fk["referred_table"] in ("users", "user_sessions"):
                referencing.append(name)
                ondelete = (fk.get("options") or {}).get("ondelete")
                assert (ondelete or "").upper() == "CASCADE", (name, fk)
    assert {"glucose_readings", "import_jobs", "insight_results"} <= set(referencing)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_deleting_the_account_leaves_no_row_in_any_table(client, db, full, make_user, auth_headers):
    bystander = make_user()
    fill_account(client, db, bystander, auth_headers(bystander), tag="stays")
    uid, other = full.user.id, bystander.id
    before = rows_of(db, uid)
    empty = sorted(k for k, n in before.items() if n == 0 and k.split(".")[0] in FILLED)
    assert not empty, f"the fixture should fill these tables: {empty}"
    kept_before = rows_of(db, other)

    r = client.request("DELETE", ACCOUNT, json={"password": TEST_PASSWORD}, headers=full.headers)
    assert r.status_code == 204, r.text

    db.expire_all()
    after = rows_of(db, uid)
    assert after and not {k: n for k, n in after.items() if n}, after
    assert rows_of(db, other) == kept_before


def test_credentials_stop_working_at_once(client, full):
    assert client.get(f"{AUTH}/me", headers=bearer(full.api_key)).status_code == 200  # type: ignore[attr-defined]
    r = client.request("DELETE", ACCOUNT, json={"password": TEST_PASSWORD}, headers=full.headers)
    assert r.status_code == 204
    assert client.get(f"{AUTH}/me", headers=full.headers).status_code == 401
    assert client.get("/api/v1/glucose", headers=full.headers).status_code == 401
    assert client.get(f"{AUTH}/me", headers=bearer(full.api_key)).status_code == 401  # type: ignore[attr-defined]
    client.cookies.clear()
    refresh = client.post(f"{AUTH}/refresh", json={"refresh_token": full.refresh_token})  # type: ignore[attr-defined]
    assert refresh.status_code == 401
    login = client.post(f"{AUTH}/login", json={"email": full.user.email, "password": TEST_PASSWORD})
    assert login.status_code == 401


def test_wrong_password_keeps_everything_and_is_rate_limited(client, db, full, monkeypatch):
    monkeypatch.setenv("GLUCOLENS_LOGIN_MAX_PER_ACCOUNT", "3/minute")
    from tests.conftest import clear_caches

    clear_caches()
    before = rows_of(db, full.user.id)
    answers = []
    for _ in range(4):
        r = client.request("DELETE", ACCOUNT, json={"password": "not it"}, headers=full.headers)
        answers.append(r.status_code)
        if r.status_code == 422:
            body = r.json()["error"]
            assert body["details"][0]["field"] == "password"
            assert "incorrect" in body["message"]
    assert answers == [422, 422, 422, 429]
    db.expire_all()
    assert rows_of(db, full.user.id) == before
    assert client.get(f"{AUTH}/me", headers=full.headers).status_code == 200


def test_api_keys_and_missing_passwords_are_refused(client, full):
    r = client.request(
        "DELETE",
        ACCOUNT,
        json={"password": TEST_PASSWORD},
        headers=bearer(full.api_key),  # type: ignore[attr-defined]
    )
    assert r.status_code == 403
    r = client.request("DELETE", ACCOUNT, json={}, headers=full.headers)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["field"] == "password"
    assert client.request("DELETE", ACCOUNT, json={"password": TEST_PASSWORD}).status_code == 401
    assert client.get(f"{AUTH}/me", headers=full.headers).status_code == 200


def test_cached_insights_go_and_subscribers_hear_after_commit(client, full):
    cache = get_cache()
    key = cache_key(full.user.id, "correlations")
    cache.set(key, {"status": "ok"})
    heard: list[uuid.UUID] = []

    def on_deleted(evt: AccountDeleted) -> None:
        heard.append(evt.user_id)

    subscribe(AccountDeleted, on_deleted)
    try:
        wrong = client.request("DELETE", ACCOUNT, json={"password": "x"}, headers=full.headers)
        assert wrong.status_code == 422 and heard == [] and cache.get(key) is not None
        r = client.request(
            "DELETE", ACCOUNT, json={"password": TEST_PASSWORD}, headers=full.headers
        )
        assert r.status_code == 204
    finally:
        unsubscribe(AccountDeleted, on_deleted)
    assert heard == [full.user.id]
    assert cache.get(key) is None


def test_the_importers_stored_files_go_too(client, db, full, make_user, auth_headers):
    """AccountDeleted reaches the importer after the commit (wired in subscribers.py): the
    uploads it keeps under the data dir for this user are removed, nobody else's."""
    from glucolens.integrations.importers.models import ImportJob
    from glucolens.integrations.importers.service import upload_path

    other = make_user()
    theirs = fill_account(client, db, other, auth_headers(other), tag="theirs")
    files = []
    for owner in (full.user, theirs.user):
        job = db.scalars(select(ImportJob).where(ImportJob.user_id == owner.id)).one()
        path = upload_path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"Index,Timestamp\n")
        files.append(path)
    r = client.request("DELETE", ACCOUNT, json={"password": TEST_PASSWORD}, headers=full.headers)
    assert r.status_code == 204
    assert not files[0].exists() and not files[0].parent.exists()
    assert files[1].exists()
