"""Fixtures of the alert delivery tests (test_channels, test_delivery*, test_push*): a real
SMTP inbox and local HTTP receivers from _delivery_servers.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.alerts._delivery_servers import (
    Inbox,
    Receiver,
    start_inbox,
    stop_receiver,
)
from tests.conftest import clear_caches


@pytest.fixture
def inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on localhost, configured as GlucoLens's SMTP server."""
    handler, controller, port = start_inbox()
    monkeypatch.setenv("GLUCOLENS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("GLUCOLENS_SMTP_PORT", str(port))
    monkeypatch.setenv("GLUCOLENS_PUBLIC_URL", "https://glucolens.example")
    clear_caches()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def receivers() -> Iterator[list[Receiver]]:
    """Start receivers with ``start_receiver`` and append them here to have them stopped."""
    started: list[Receiver] = []
    yield started
    for receiver in started:
        stop_receiver(receiver)


@pytest.fixture
def short_delivery_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """An unreachable server costs a delivery test at most this long."""
    monkeypatch.setenv("GLUCOLENS_ALERT_DELIVERY_TIMEOUT_S", "3")
    clear_caches()
