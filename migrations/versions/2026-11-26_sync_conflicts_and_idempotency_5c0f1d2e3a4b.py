"""Sync: the conflict log and idempotent pushes.

Revision ID: 5c0f1d2e3a4b
Revises: 07f64938bde9
Create Date: 2026-11-26 01:20:00+00:00

Written from the models in ``app/db/models/sync.py`` and checked with ``br-server db check``. Both tables are new,
so upgrading needs no data step. ``plan_conflict`` keeps a pushed plan that did not merge (its authors are
``SET NULL`` when an account goes, like revisions); ``idempotency_record`` keeps the first answer to a request
with an ``Idempotency-Key`` for 24 hours, unique per project, caller and key (``caller_id`` has no foreign key:
operators have no account row). Downgrading drops both; open conflicts are lost with them.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "5c0f1d2e3a4b"
down_revision = "07f64938bde9"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    """Create the sync tables."""
    op.create_table(
        "plan_conflict",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("project_id", GUID(length=16), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=False),
        sa.Column("head_revision", sa.Integer(), nullable=False),
        sa.Column("local_plan", sa.Text(), nullable=False),
        sa.Column(
            "conflicts", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("author_id", GUID(length=16), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("resolved_by_id", GUID(length=16), nullable=True),
        sa.Column("resolved_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("resolved_revision", sa.Integer(), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ["author_id"], ["user_account.id"], name=op.f("fk_plan_conflict_author_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_plan_conflict_project_id_project"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"], ["user_account.id"], name=op.f("fk_plan_conflict_resolved_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_conflict")),
    )
    with op.batch_alter_table("plan_conflict", schema=None) as batch_op:
        batch_op.create_index("ix_plan_conflict_project_status", ["project_id", "status"], unique=False)

    op.create_table(
        "idempotency_record",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("project_id", GUID(length=16), nullable=False),
        sa.Column("caller_id", GUID(length=16), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("etag", sa.String(length=20), nullable=True),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ["project_id"], ["project.id"], name=op.f("fk_idempotency_record_project_id_project"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint("project_id", "caller_id", "key", name=op.f("uq_idempotency_record_project_id")),
    )
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.create_index("ix_idempotency_record_created_at", ["created_at"], unique=False)


def downgrade() -> None:
    """Drop the sync tables."""
    with op.batch_alter_table("idempotency_record", schema=None) as batch_op:
        batch_op.drop_index("ix_idempotency_record_created_at")
    op.drop_table("idempotency_record")
    with op.batch_alter_table("plan_conflict", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_conflict_project_status")
    op.drop_table("plan_conflict")
