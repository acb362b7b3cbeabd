"""Notifications: the in-app notification center and per-user channel preferences.

Revision ID: c6d7e8f9a0b1
Revises: b5c6d7e8f9a0
Create Date: 2026-11-26 05:01:00+00:00

Written by hand from ``app/db/models/notification.py`` and checked with ``br-server db check``. Every table is new,
so upgrading needs no data step. A user's notifications, preferences and webhooks go with the account (CASCADE);
notifications also go with their organization and project; a notifying account that goes leaves the notification
with no actor (SET NULL). Downgrading drops the three tables and every notification with them.
"""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

# revision identifiers, used by Alembic.
revision = "c6d7e8f9a0b1"
down_revision = "b5c6d7e8f9a0"
branch_labels = None
depends_on = None


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("sa_orm_sentinel", sa.Integer(), nullable=True),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    ]


def _user_fk(table: str, column: str = "user_id", ondelete: str = "CASCADE") -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], ["user_account.id"], name=op.f(f"fk_{table}_{column}_user_account"),
                                   ondelete=ondelete)


def _notification() -> None:
    op.create_table(
        "notification",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=False),
        sa.Column("project_id", GUID(length=16), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.String(length=1000), nullable=False),
        sa.Column("url", sa.String(length=1000), nullable=False),
        sa.Column("actor_id", GUID(length=16), nullable=True),
        sa.Column("read_at", DateTimeUTC(timezone=True), nullable=True),
        sa.Column("in_app", sa.Boolean(), nullable=False),
        sa.Column("dedup_key", sa.String(length=200), nullable=False),
        *_audit_columns(),
        _user_fk("notification"),
        _user_fk("notification", "actor_id", "SET NULL"),
        sa.ForeignKeyConstraint(["organization_id"], ["organization.id"],
                                name=op.f("fk_notification_organization_id_organization"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["project_id"], ["project.id"], name=op.f("fk_notification_project_id_project"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("user_id", "dedup_key", name=op.f("uq_notification_user_id")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_user_created", ["user_id", "created_at"], unique=False)
        batch_op.create_index("ix_notification_user_unread", ["user_id", "in_app", "read_at"], unique=False)


def upgrade() -> None:
    """Create the notification, notification_preference and notification_webhook tables."""
    _notification()
    op.create_table(
        "notification_preference",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        *_audit_columns(),
        _user_fk("notification_preference"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint("user_id", "kind", "channel", name=op.f("uq_notification_preference_user_id")),
    )
    op.create_table(
        "notification_webhook",
        sa.Column("id", GUID(length=16), nullable=False),
        sa.Column("user_id", GUID(length=16), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("url_encrypted", sa.Text(), nullable=False),
        *_audit_columns(),
        _user_fk("notification_webhook"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_webhook")),
        sa.UniqueConstraint("user_id", "channel", name=op.f("uq_notification_webhook_user_id")),
    )


def downgrade() -> None:
    """Drop the three tables (and every notification, preference and webhook address with them)."""
    op.drop_table("notification_webhook")
    op.drop_table("notification_preference")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_user_unread")
        batch_op.drop_index("ix_notification_user_created")
    op.drop_table("notification")
