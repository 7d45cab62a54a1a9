"""Per-user Nightscout credentials (one API secret and named access tokens) and the
Nightscout documents kept per user (treatments, devicestatus, profiles)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from glucolens.core.db import Base, BigIntPK, UTCDateTime, utcnow

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


class _NightscoutDocument:
    """A Nightscout document kept as sent (minus ``secret``/``token``), for the collections
    GlucoLens has no table of its own for, or keeps beside its rows (treatments are also
    projected into insulin, meals, glucose and activities; see treatments.py).

    ``identifier`` is the ``_id`` v1 shows and the ``identifier`` v3 shows; ``dedupe_key``
    holds what Nightscout deduplicates a collection on (documents.py); the ``*_ms`` columns
    are ms since the epoch, as Nightscout's ``date``/``srvModified`` are. A soft delete keeps
    the row with ``is_valid`` false so v3's history can show it.
    """

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    identifier: Mapped[str] = mapped_column(String(128))
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    # The GlucoLens source a treatment's rows were written under (from enteredBy/device).
    source: Mapped[str | None] = mapped_column(String(32))
    date_ms: Mapped[int] = mapped_column(BigInteger)
    srv_created_ms: Mapped[int] = mapped_column(BigInteger)
    srv_modified_ms: Mapped[int] = mapped_column(BigInteger)
    is_valid: Mapped[bool] = mapped_column(Boolean, default=True)
    doc: Mapped[str] = mapped_column(Text)

    @declared_attr
    def user_id(cls) -> Mapped[uuid.UUID]:  # noqa: N805
        return mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)


def _document_indexes(table: str) -> tuple[Index, ...]:
    return (
        Index(f"uq_{table}_identifier", "user_id", "identifier", unique=True),
        Index(f"ix_{table}_modified", "user_id", "srv_modified_ms"),
        Index(f"ix_{table}_date", "user_id", "date_ms"),
        Index(f"ix_{table}_dedupe", "user_id", "dedupe_key"),
    )


class NightscoutTreatment(_NightscoutDocument, Base):
    __tablename__ = "nightscout_treatments"
    __table_args__ = _document_indexes("nightscout_treatments")


class NightscoutDeviceStatus(_NightscoutDocument, Base):
    """Loop's and AAPS's status every five minutes (loop/openaps, pump, uploader, override):
    its own table, as the issue asks; nothing else in GlucoLens reads it yet."""

    __tablename__ = "nightscout_devicestatus"
    __table_args__ = _document_indexes("nightscout_devicestatus")


class NightscoutProfile(_NightscoutDocument, Base):
    __tablename__ = "nightscout_profiles"
    __table_args__ = _document_indexes("nightscout_profiles")
