"""Password change, forgot/reset over a real SMTP server, and the password policy."""

from __future__ import annotations

import datetime as dt
import logging
import re
import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from glucolens.auth.models import PasswordResetToken
from glucolens.auth.passwords_policy import common_passwords, password_problem
from glucolens.auth.tokens import hash_token
from tests.auth.conftest import AUTH, bearer
from tests.conftest import TEST_PASSWORD, clear_caches

NEW_PASSWORD = "a brand new passphrase"
TOKEN_RE = re.compile(r"/reset-password\?token=([A-Za-z0-9_\-]+)")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd API
        self.messages.append(message_from_bytes(envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def inbox(monkeypatch) -> Iterator[Inbox]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("GLUCOLENS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GLUCOLENS_SMTP_PORT", str(port))
    monkeypatch.setenv("GLUCOLENS_PUBLIC_URL", "https://glucolens.example")
    clear_caches()
    try:
        yield handler
    finally:
        controller.stop()


def reset_token_from(message: Message) -> str:
    body = message.get_payload(decode=True).decode()
    match = TOKEN_RE.search(body)
    assert match, body
    return match.group(1)


def forgot(client, email):
    return client.post(f"{AUTH}/forgot-password", json={"email": email})


def reset(client, token, password=NEW_PASSWORD):
    return client.post(f"{AUTH}/reset-password", json={"token": token, "new_password": password})


def test_change_password_revokes_other_sessions_only(client, make_user, login):
    user = make_user()
    current = login(user.email).json()
    other = login(user.email).json()
    r = client.post(
        f"{AUTH}/password",
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(current["access_token"]),
    )
    assert r.status_code == 204
    assert client.get(f"{AUTH}/me", headers=bearer(current["access_token"])).status_code == 200
    assert client.get(f"{AUTH}/me", headers=bearer(other["access_token"])).status_code == 401
    client.cookies.clear()
    assert (
        client.post(f"{AUTH}/refresh", json={"refresh_token": other["refresh_token"]}).status_code
        == 401
    )
    assert (
        client.post(f"{AUTH}/refresh", json={"refresh_token": current["refresh_token"]}).status_code
        == 200
    )
    assert login(user.email).status_code == 401
    assert login(user.email, NEW_PASSWORD).status_code == 200


def test_change_password_needs_current_password(client, make_user, auth_headers):
    user = make_user()
    r = client.post(
        f"{AUTH}/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=auth_headers(user),
    )
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "current_password"


def test_change_password_applies_policy(client, make_user, auth_headers):
    headers = auth_headers(make_user())
    for weak in ("short", "password123"):
        r = client.post(
            f"{AUTH}/password",
            json={"current_password": TEST_PASSWORD, "new_password": weak},
            headers=headers,
        )
        assert r.status_code == 422
        assert r.json()["error"]["details"][0]["field"] == "new_password"


def test_forgot_password_is_202_for_unknown_address_and_sends_nothing(client, inbox):
    r = forgot(client, "nobody@example.org")
    assert r.status_code == 202
    assert inbox.messages == []


def test_forgot_password_answers_the_same_for_known_and_unknown(client, make_user, inbox):
    make_user(email="ana@example.org")
    known, unknown = forgot(client, "ana@example.org"), forgot(client, "bo@example.org")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()


def test_reset_password_by_mail_works_once(client, make_user, login, inbox, db: Session):
    user = make_user(email="ana@example.org")
    old = login(user.email).json()
    assert forgot(client, "Ana@Example.org").status_code == 202
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "ana@example.org"
    assert "reset" in mail["Subject"].lower()
    token = reset_token_from(mail)
    body = mail.get_payload(decode=True).decode()
    assert f"https://glucolens.example/reset-password?token={token}" in body
    # Stored hashed, valid for 30 minutes.
    row = db.scalars(select(PasswordResetToken)).one()
    assert row.token_hash == hash_token(token) != token
    assert dt.timedelta(minutes=29) < row.expires_at - row.created_at <= dt.timedelta(minutes=30)

    assert reset(client, token).status_code == 204
    second = reset(client, token, "yet another passphrase")
    assert second.status_code == 422
    assert second.json()["error"]["details"][0]["field"] == "token"
    assert login(user.email).status_code == 401
    assert login(user.email, NEW_PASSWORD).status_code == 200
    # Every session that existed before the reset is over.
    assert client.get(f"{AUTH}/me", headers=bearer(old["access_token"])).status_code == 401


def test_expired_reset_token_is_refused(client, make_user, login, inbox, db: Session):
    make_user(email="ana@example.org")
    forgot(client, "ana@example.org")
    token = reset_token_from(inbox.messages[0])
    db.execute(
        update(PasswordResetToken).values(
            expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        )
    )
    db.commit()
    assert reset(client, token).status_code == 422
    assert login("ana@example.org").status_code == 200


def test_refused_new_password_does_not_spend_the_token(client, make_user, inbox):
    make_user(email="ana@example.org")
    forgot(client, "ana@example.org")
    token = reset_token_from(inbox.messages[0])
    r = reset(client, token, "qwertyuiop")
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["field"] == "new_password"
    assert reset(client, token).status_code == 204


def test_password_change_invalidates_outstanding_reset_links(
    client, make_user, auth_headers, inbox
):
    user = make_user(email="ana@example.org")
    forgot(client, "ana@example.org")
    token = reset_token_from(inbox.messages[0])
    client.post(
        f"{AUTH}/password",
        json={"current_password": TEST_PASSWORD, "new_password": NEW_PASSWORD},
        headers=auth_headers(user),
    )
    assert reset(client, token, "another fine passphrase").status_code == 422


def test_unknown_reset_token_is_refused(client):
    assert reset(client, "made-up-token").status_code == 422


def test_without_smtp_the_reset_link_goes_to_the_log(client, make_user, caplog):
    make_user(email="ana@example.org")
    with caplog.at_level(logging.INFO):
        assert forgot(client, "ana@example.org").status_code == 202
    records = [r for r in caplog.records if r.name == "glucolens.mail"]
    assert len(records) == 1
    link = records[0].fields["reset_link"]  # type: ignore[attr-defined]
    token = link.split("token=", 1)[1]
    assert reset(client, token).status_code == 204
    everything = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    assert NEW_PASSWORD not in everything and TEST_PASSWORD not in everything


def test_no_secrets_in_logs_during_sign_in(client, make_user, login, caplog):
    user = make_user()
    with caplog.at_level(logging.DEBUG):
        pair = login(user.email).json()
        client.post(f"{AUTH}/refresh", json={"refresh_token": pair["refresh_token"]})
    everything = "\n".join(f"{r.getMessage()} {getattr(r, 'fields', '')}" for r in caplog.records)
    for secret in (TEST_PASSWORD, pair["refresh_token"], pair["access_token"]):
        assert secret not in everything


def test_common_password_list_is_shipped_and_large():
    words = common_passwords()
    assert len(words) >= 10_000
    assert "password1234" in words and "qwertyuiop" in words


def test_password_policy_rules():
    assert password_problem("short") is not None
    assert password_problem("x" * 129) is not None
    assert password_problem("Qwertyuiop") is not None  # case-insensitive blocklist
    assert password_problem("me@example.org", "ME@example.org") is not None
    assert password_problem("a quiet lighthouse keeper", "me@example.org") is None


def test_reset_link_keeps_the_configured_port(monkeypatch):
    """Issue 10, item 14: without GLUCOLENS_PUBLIC_URL the link follows `glucolens serve`'s
    port; with it, the given base (port included) is used as is."""
    from glucolens.auth.mailer import reset_link
    from glucolens.core.config import Settings

    assert reset_link("t", Settings(port=9123)) == "http://localhost:9123/reset-password?token=t"
    given = Settings(public_url="https://glucose.example.org:8443/")
    assert reset_link("t", given) == "https://glucose.example.org:8443/reset-password?token=t"
