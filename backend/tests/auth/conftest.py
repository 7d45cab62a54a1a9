"""Helpers for the auth tests: sign in over HTTP and read what came back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx2 import Response

from tests.conftest import TEST_PASSWORD

AUTH = "/api/v1/auth"

Login = Callable[..., Response]


@pytest.fixture
def login(client: TestClient) -> Login:
    def do(email: str, password: str = TEST_PASSWORD, **extra: Any) -> Response:
        return client.post(f"{AUTH}/login", json={"email": email, "password": password, **extra})

    return do


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def set_cookie_headers(response: Response) -> dict[str, str]:
    """Set-Cookie header values by cookie name."""
    return {h.split("=", 1)[0]: h for h in response.headers.get_list("set-cookie")}
