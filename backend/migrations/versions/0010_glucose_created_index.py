"""Glucose readings by write time, for Nightscout v3 history and lastModified

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 08:20:00

AAPS's NSClient v3 asks for the entries written since its last look every few minutes
(``/api/v3/entries/history/<ms>``); without this index that is a scan of all the user's
readings.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_glucose_user_created", "glucose_readings", ["user_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_glucose_user_created", table_name="glucose_readings")
