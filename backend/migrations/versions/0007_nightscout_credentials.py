"""Nightscout credentials (per-user API secret and access tokens, stored as digests)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "nightscout_credentials",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("shown_prefix", sa.String(length=32), nullable=True),
        sa.Column("sha1_hex", sa.String(length=40), nullable=False),
        sa.Column("sha512_hex", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("nightscout_credentials", schema=None) as batch_op:
        batch_op.create_index("uq_nightscout_credentials_sha1", ["sha1_hex"], unique=True)
        batch_op.create_index("uq_nightscout_credentials_sha512", ["sha512_hex"], unique=True)
        batch_op.create_index(
            "ix_nightscout_credentials_user", ["user_id", "created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("nightscout_credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_nightscout_credentials_user")
        batch_op.drop_index("uq_nightscout_credentials_sha512")
        batch_op.drop_index("uq_nightscout_credentials_sha1")
    op.drop_table("nightscout_credentials")
