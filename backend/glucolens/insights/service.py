"""Insight orchestration (being written): debounced recomputation after new data."""

from __future__ import annotations

import uuid


def notify_new_data(user_id: uuid.UUID) -> None:
    """Schedule a debounced recomputation of the user's insights."""
    return None
