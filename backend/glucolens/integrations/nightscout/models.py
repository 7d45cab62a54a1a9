"""Per-user Nightscout credentials: one API secret and named access tokens."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from glucolens.core.db import Base, UTCDateTime, utcnow

KIND_SECRET = "secret"  # noqa: S105 - a kind name, not a secret
KIND_TOKEN = "token"  # noqa: S105 - a kind name, not a token
ROLE_READ = "read"
ROLE_READWRITE = "readwrite"


class NightscoutCredential(Base):
    """Only digests are stored. Uploaders send the SHA-1 (or SHA-512) hex of the secret in
    ``api-secret``, which cannot be inverted, so both digests are kept and looked up by
    index; a raw token is hashed the same way on arrival."""

    __tablename__ = "nightscout_credentials"
    __table_args__ = (
        Index("uq_nightscout_credentials_sha1", "sha1_hex", unique=True),
        Index("uq_nightscout_credentials_sha512", "sha512_hex", unique=True),
        Index("ix_nightscout_credentials_user", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(8))  # "secret" | "token"
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # "read" | "readwrite"
    # The first characters of a token (its readable name part), never of a secret.
    shown_prefix: Mapped[str | None] = mapped_column(String(32))
    sha1_hex: Mapped[str] = mapped_column(String(40))
    sha512_hex: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
