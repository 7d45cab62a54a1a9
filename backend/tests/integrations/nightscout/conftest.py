"""A user with Nightscout credentials made through the management API, as a person would."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from glucolens.auth.models import User


@dataclass
class NsUser:
    user: User
    headers: dict[str, str]  # the signed-in GlucoLens session
    secret: str

    @property
    def sha1(self) -> dict[str, str]:
        return {"api-secret": hashlib.sha1(self.secret.encode()).hexdigest()}  # noqa: S324


def create_credential(client: TestClient, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    r = client.post("/api/v1/integrations/nightscout/credentials", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


@pytest.fixture
def ns_user(
    client: TestClient, make_user: Callable[..., User], auth_headers: Callable[..., Any]
) -> Callable[..., NsUser]:
    def factory(**kw: Any) -> NsUser:
        user = make_user(**kw)
        headers = auth_headers(user)
        created = create_credential(client, headers, kind="secret")
        return NsUser(user=user, headers=headers, secret=created["value"])

    return factory
