"""Request and response bodies of the auth routes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from glucolens.auth.passwords_policy import MAX_LENGTH
from glucolens.core.schemas import StorableTextIn

Unit = Literal["mg/dL", "mmol/L"]
Scope = Literal["read", "write:readings"]

# Passwords are bounded so that a megabyte "password" cannot tie up argon2.
Password = Field(min_length=1, max_length=MAX_LENGTH)


class _In(StorableTextIn):
    """Request bodies: no unknown fields, and no text a database cannot store (NUL)."""

    model_config = ConfigDict(extra="forbid")


def _normalise_email(value: str) -> str:
    return value.strip().lower()


class RegisterIn(_In):
    email: EmailStr
    password: str = Password
    display_name: str | None = Field(default=None, max_length=120)
    timezone: str | None = Field(default=None, max_length=64, examples=["Europe/Berlin"])
    unit: Unit | None = None

    _email = field_validator("email")(_normalise_email)


class LoginIn(_In):
    # Any string: a malformed address must fail exactly like an unknown one.
    email: str = Field(min_length=1, max_length=320)
    password: str = Password
    device: str | None = Field(default=None, max_length=200)

    _email = field_validator("email")(_normalise_email)


class RefreshIn(_In):
    refresh_token: str | None = Field(
        default=None,
        max_length=256,
        description="Native clients send the token here; the web app sends the refresh "
        "cookie and an X-CSRF-Token header instead.",
    )
    device: str | None = Field(default=None, max_length=200)


class LogoutIn(_In):
    refresh_token: str | None = Field(default=None, max_length=256)


class UserOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    display_name: str | None
    timezone: str
    unit: str
    target_low_mgdl: float
    target_high_mgdl: float
    created_at: dt.datetime


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a scheme name
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str | None = Field(
        default=None,
        description="Sign-in, and refresh with a token in the body (native clients). Null "
        "when the web app refreshes by cookie: the token then lives only in the httpOnly cookie.",
    )
    user: UserOut


class ProfileIn(_In):
    display_name: str | None = Field(default=None, max_length=120)
    timezone: str | None = Field(default=None, max_length=64, examples=["America/New_York"])
    unit: Unit | None = None
    target_low_mgdl: float | None = Field(default=None, ge=50, le=300)
    target_high_mgdl: float | None = Field(default=None, ge=50, le=300)


class PasswordChangeIn(_In):
    current_password: str = Password
    new_password: str = Password


class ForgotPasswordIn(_In):
    email: EmailStr

    _email = field_validator("email")(_normalise_email)


class ResetPasswordIn(_In):
    token: str = Field(min_length=1, max_length=256)
    new_password: str = Password


class SessionOut(BaseModel):
    id: uuid.UUID
    device: str | None
    ip: str | None
    created_at: dt.datetime
    last_seen_at: dt.datetime
    current: bool


class ApiKeyIn(_In):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Scope] = Field(min_length=1, max_length=2)


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str = Field(description="The first characters of the key, to recognise it.")
    scopes: list[str]
    created_at: dt.datetime
    last_used_at: dt.datetime | None


class ApiKeyCreated(ApiKeyOut):
    key: str = Field(description="The full key. Shown once; only its hash is stored.")
