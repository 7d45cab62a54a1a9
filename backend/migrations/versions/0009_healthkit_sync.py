"""HealthKit sync: samples by HealthKit UUID (with provenance and tombstones), answered
batches (idempotency) and per-type sync state

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "healthkit_samples",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("utc_offset_min", sa.SmallInteger(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("original_value", sa.Float(), nullable=True),
        sa.Column("original_unit", sa.String(length=48), nullable=True),
        sa.Column("source_name", sa.String(length=128), nullable=True),
        sa.Column("source_bundle_id", sa.String(length=128), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("sync_identifier", sa.String(length=128), nullable=True),
        sa.Column("sync_version", sa.BigInteger(), nullable=True),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("healthkit_samples", schema=None) as batch_op:
        batch_op.create_index("uq_healthkit_samples_uuid", ["user_id", "uuid"], unique=True)
        batch_op.create_index(
            "ix_healthkit_samples_type_start", ["user_id", "type", "start"], unique=False
        )
        batch_op.create_index(
            "ix_healthkit_samples_sync_id",
            ["user_id", "type", "sync_identifier"],
            unique=False,
            postgresql_where=sa.text("sync_identifier IS NOT NULL"),
            sqlite_where=sa.text("sync_identifier IS NOT NULL"),
        )
    op.create_table(
        "healthkit_batches",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.SmallInteger(), nullable=False),
        sa.Column("response", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "batch_id"),
    )
    with op.batch_alter_table("healthkit_batches", schema=None) as batch_op:
        batch_op.create_index(
            "ix_healthkit_batches_user_created", ["user_id", "created_at"], unique=False
        )
    op.create_table(
        "healthkit_type_states",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("last_sync_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_batch_id", sa.Uuid(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "type"),
    )


def downgrade() -> None:
    op.drop_table("healthkit_type_states")
    with op.batch_alter_table("healthkit_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_healthkit_batches_user_created")
    op.drop_table("healthkit_batches")
    with op.batch_alter_table("healthkit_samples", schema=None) as batch_op:
        batch_op.drop_index("ix_healthkit_samples_sync_id")
        batch_op.drop_index("ix_healthkit_samples_type_start")
        batch_op.drop_index("uq_healthkit_samples_uuid")
    op.drop_table("healthkit_samples")
