"""Impersonation: a GlobalAdmin acting as another user in their own browser session, for a reason and a time.

Revision ID: e8f9a0b1c2d3
Revises: d7e8f9a0b1c2
Create Date: 2026-11-26 08:30:00+00:00

Written by hand from ``app/db/models/auth.py`` and checked with ``br-server db check``. The table is new, so
upgrading needs no data step. An impersonation goes with its session and with either account (CASCADE); what it
did stays in the audit ledger, which names both people. Downgrading drops the table: sessions in the middle of an
impersonation are the admin's own again.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

# revision identifiers, used by Alembic.
revision = "e8f9a0b1c2d3"
down_revision = "d7e8f9a0b1c2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the impersonation table."""
    op.create_table(
        "impersonation",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("session_id", GUID(length=16), nullable=False),
        sa.Column("admin_id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("reason", sa.String(length=400), nullable=False),
        sa.Column("expires_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("ended_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["user_session.id"],
                                name=op.f("fk_impersonation_session_id_user_session"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["admin_id"], ["user_account.id"],
                                name=op.f("fk_impersonation_admin_id_user_account"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_impersonation_user_id_user_account"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impersonation")),
    )
    with op.batch_alter_table("impersonation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_impersonation_session_id"), ["session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_impersonation_admin_id"), ["admin_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_impersonation_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    """Drop the impersonation table."""
    op.drop_table("impersonation")
