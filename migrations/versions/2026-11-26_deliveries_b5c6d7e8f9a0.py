"""Deliveries: one row per message to send on a channel (email, Slack, Discord), unique by deduplication key.

Revision ID: b5c6d7e8f9a0
Revises: 9a4b5c6d7e8f
Create Date: 2026-11-26 05:00:00+00:00

Written by hand from ``app/db/models/delivery.py`` and checked with ``br-server db check``. The table is new, so
upgrading needs no data step. Deliveries go with their organization (CASCADE). Downgrading drops the table and
every delivery not yet sent with it.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision = "b5c6d7e8f9a0"
down_revision = "9a4b5c6d7e8f"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create ``delivery`` with its unique key and the index the claim and the sweep use."""
    op.create_table(
        "delivery",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("dedup_key", sa.String(length=400), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                  nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("claimed_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sent_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_delivery_organization_id_organization"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("dedup_key", name=op.f("uq_delivery_dedup_key")),
    )
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.create_index("ix_delivery_status_next_attempt_at", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_delivery_organization_id"), ["organization_id"], unique=False)


def downgrade() -> None:
    """Drop ``delivery`` and its indexes."""
    with op.batch_alter_table("delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_organization_id"))
        batch_op.drop_index("ix_delivery_status_next_attempt_at")
    op.drop_table("delivery")
