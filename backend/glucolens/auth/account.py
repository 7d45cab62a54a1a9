"""DELETE /api/v1/account: the signed-in user deletes their account and everything in it.

Signed-in users only (scope ``account``; API keys never have it), and the password again:
a stolen access token alone must not be able to destroy an account. Wrong passwords are
counted against the same per-account limit as sign-in, so the route is no password oracle.

Every table's ``user_id`` references ``users.id`` with ``ON DELETE CASCADE`` (PostgreSQL, and
SQLite with ``PRAGMA foreign_keys=ON``, set on every connection by core/db), so deleting the
user row deletes every row of theirs, in whichever domain, in this one transaction; the
tests walk ``Base.metadata`` and the database's own catalog to keep that true for tables
added later. Access ends at once: an access token names a session and a user, and
``auth.deps`` refuses tokens whose session row is gone; API keys are rows too.
"""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter, Response
from sqlalchemy import delete
from sqlalchemy.orm import Session

from glucolens.auth.cookies import clear_auth_cookies
from glucolens.auth.deps import AccountAuth, DbSession
from glucolens.auth.models import User
from glucolens.auth.schemas import Password, _In
from glucolens.auth.service import require_password
from glucolens.core.errors import responses
from glucolens.core.events import AccountDeleted, DataRemoved, publish
from glucolens.core.sql import lock_user_writes
from glucolens.core.transaction import TransactionalRoute

log = logging.getLogger("glucolens.auth")

router = APIRouter(route_class=TransactionalRoute, prefix="/api/v1/account", tags=["auth"])


class AccountDeleteIn(_In):
    password: str = Password


def delete_account(db: Session, user: User, password: str) -> None:
    require_password(
        user,
        password,
        "account-delete",
        "password",
        too_many="Too many attempts to delete this account; try again later.",
        wrong="The password is incorrect; the account was not deleted.",
    )
    user_id: uuid.UUID = user.id
    # After any write of this user's in progress (an upload, an import) and before the next.
    lock_user_writes(db, user_id)
    # In-transaction subscribers still see the rows: the insights drop their cached results,
    # whose keys they find from the stored results.
    publish(db, DataRemoved(user_id=user_id, source=None))
    db.execute(delete(User).where(User.id == user_id))
    # After commit: what lives outside the database (an importer's stored uploads).
    publish(db, AccountDeleted(user_id=user_id))
    log.info("account deleted", extra={"fields": {"user_id": str(user_id)}})


@router.delete(
    "",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 422, 429),
    summary="Delete your account and all its data",
)
def delete_my_account(body: AccountDeleteIn, auth: AccountAuth, db: DbSession) -> Response:
    """Deletes the account, every reading, dose, meal, sleep session, activity, insight,
    import, session, refresh token and API key, at once and for good. Needs the password;
    signed-in users only (not API keys). Export your data first (GET /export)."""
    delete_account(db, auth.user, body.password)
    response = Response(status_code=204)
    clear_auth_cookies(response)
    return response
