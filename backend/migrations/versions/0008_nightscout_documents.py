"""Nightscout documents: treatments, devicestatus and profiles, one table each

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 07:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("nightscout_treatments", "nightscout_devicestatus", "nightscout_profiles")


def upgrade() -> None:
    for table in TABLES:
        op.create_table(
            table,
            sa.Column(
                "id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                autoincrement=True,
                nullable=False,
            ),
            sa.Column("identifier", sa.String(length=128), nullable=False),
            sa.Column("dedupe_key", sa.String(length=200), nullable=True),
            sa.Column("source", sa.String(length=32), nullable=True),
            sa.Column("date_ms", sa.BigInteger(), nullable=False),
            sa.Column("srv_created_ms", sa.BigInteger(), nullable=False),
            sa.Column("srv_modified_ms", sa.BigInteger(), nullable=False),
            sa.Column("is_valid", sa.Boolean(), nullable=False),
            sa.Column("doc", sa.Text(), nullable=False),
            sa.Column("user_id", sa.Uuid(), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(f"uq_{table}_identifier", ["user_id", "identifier"], unique=True)
            batch_op.create_index(f"ix_{table}_modified", ["user_id", "srv_modified_ms"])
            batch_op.create_index(f"ix_{table}_date", ["user_id", "date_ms"])
            batch_op.create_index(f"ix_{table}_dedupe", ["user_id", "dedupe_key"])


def downgrade() -> None:
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_dedupe")
            batch_op.drop_index(f"ix_{table}_date")
            batch_op.drop_index(f"ix_{table}_modified")
            batch_op.drop_index(f"uq_{table}_identifier")
        op.drop_table(table)
