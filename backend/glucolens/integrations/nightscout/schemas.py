"""Request and response bodies of the credential-management API (GlucoLens's own shape)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from glucolens.core.schemas import StorableTextIn, UtcTime


class CredentialIn(StorableTextIn):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["secret", "token"] = Field(
        description="'secret': a new API secret (replaces the current one); 'token': a named "
        "access token."
    )
    name: str = Field(default="", max_length=64, description="A token's name (e.g. 'xdrip').")
    role: Literal["read", "readwrite"] = Field(
        default="readwrite", description="A token's role; the secret is always readwrite."
    )


class CredentialOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str
    name: str
    role: str
    shown_prefix: str | None
    created_at: UtcTime
    last_used_at: UtcTime | None


class CredentialCreated(BaseModel):
    credential: CredentialOut
    value: str = Field(description="The secret or token in clear: shown this once only.")
    api_secret_sha1: str = Field(
        description="SHA-1 hex of the value, the form uploaders send in the api-secret header."
    )
    nightscout_url: str = Field(description="The URL to enter in an uploader: this server's root.")


class CredentialList(BaseModel):
    nightscout_url: str
    items: list[CredentialOut]
