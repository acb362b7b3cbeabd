"""Store each project's microstep counts by status, so the project list does not count plan items per request.

Revision ID: 07f64938bde9
Revises: fc74d2cb5545
Create Date: 2026-11-25 23:59:25.502394+00:00

Reviewed by hand: the five columns are filled for existing projects from their materialized ``plan_item`` rows
(one correlated count per status, portable between SQLite and PostgreSQL); from then on a saved revision writes
them. Downgrading drops them; the counts can always be recomputed from ``plan_item``.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "07f64938bde9"
down_revision = "fc74d2cb5545"
branch_labels = None
depends_on = None

# The statuses of this revision's time, spelled out: a migration must not change when the model does.
STATUSES: Final = ("todo", "in_progress", "blocked", "review", "done")


def upgrade() -> None:
    """Add the count columns and fill them from the current plan items."""
    with op.batch_alter_table("project", schema=None) as batch_op:
        for status in STATUSES:
            batch_op.add_column(sa.Column(f"count_{status}", sa.Integer(), server_default="0", nullable=False))
    project = sa.table("project", sa.column("id"), *(sa.column(f"count_{status}") for status in STATUSES))
    item = sa.table("plan_item", sa.column("project_id"), sa.column("kind"), sa.column("status"))
    op.execute(
        project.update().values({
            f"count_{status}": sa.select(sa.func.count()).select_from(item)
            .where(item.c.project_id == project.c.id, item.c.kind == "microstep", item.c.status == status)
            .scalar_subquery()
            for status in STATUSES
        })
    )


def downgrade() -> None:
    """Drop the count columns."""
    with op.batch_alter_table("project", schema=None) as batch_op:
        for status in reversed(STATUSES):
            batch_op.drop_column(f"count_{status}")
