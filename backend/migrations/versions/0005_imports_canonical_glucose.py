"""import jobs; glucose kind, sampling period and duplicate link (one canonical stream);
per-user source priority

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07 04:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("preview", sa.JSON(), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("rejected", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_import_jobs_user", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_import_jobs_user_sha", ["user_id", "sha256"], unique=False)

    with op.batch_alter_table("glucose_readings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), server_default="cgm", nullable=False)
        )
        batch_op.add_column(sa.Column("period_min", sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column("dup_of", sa.BigInteger(), nullable=True))
        # A meter or scan reading at the second of a sensor reading of the same source is
        # another reading: the time key includes the kind.
        batch_op.drop_index(
            "uq_glucose_readings_time",
            sqlite_where=sa.text("external_id IS NULL"),
            postgresql_where=sa.text("external_id IS NULL"),
        )
        batch_op.create_index(
            "uq_glucose_readings_time",
            ["user_id", "source", "kind", "ts"],
            unique=True,
            sqlite_where=sa.text("external_id IS NULL"),
            postgresql_where=sa.text("external_id IS NULL"),
        )
        batch_op.create_index(
            "ix_glucose_canonical",
            ["user_id", "ts"],
            unique=False,
            postgresql_include=["value_mgdl"],
            sqlite_where=sa.text("kind = 'cgm' AND dup_of IS NULL"),
            postgresql_where=sa.text("kind = 'cgm' AND dup_of IS NULL"),
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_priority", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("source_priority")
    with op.batch_alter_table("glucose_readings", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_glucose_canonical",
            sqlite_where=sa.text("kind = 'cgm' AND dup_of IS NULL"),
            postgresql_where=sa.text("kind = 'cgm' AND dup_of IS NULL"),
        )
        batch_op.drop_index(
            "uq_glucose_readings_time",
            sqlite_where=sa.text("external_id IS NULL"),
            postgresql_where=sa.text("external_id IS NULL"),
        )
        batch_op.create_index(
            "uq_glucose_readings_time",
            ["user_id", "source", "ts"],
            unique=True,
            sqlite_where=sa.text("external_id IS NULL"),
            postgresql_where=sa.text("external_id IS NULL"),
        )
        batch_op.drop_column("dup_of")
        batch_op.drop_column("period_min")
        batch_op.drop_column("kind")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_import_jobs_user_sha")
        batch_op.drop_index("ix_import_jobs_user")
    op.drop_table("import_jobs")
