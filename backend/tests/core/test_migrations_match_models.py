"""The migrations build exactly the schema the models declare (no drift either way)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import glucolens.models_registry  # noqa: F401  (every model on Base.metadata)
from glucolens.core.db import Base, get_engine


def _relevant(diff: object) -> bool:
    # TimescaleDB (when present) reshapes the glucose primary key; server defaults and
    # comments are not compared by alembic's default settings.
    return "timescaledb" not in repr(diff)


def test_migrated_schema_matches_models() -> None:
    with get_engine().connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(ctx, Base.metadata) if _relevant(d)]
    assert diffs == []
