"""Timeline: each plan revision keeps its microstep counts (done, and in all) for the burn-up chart.

Revision ID: 9a4b5c6d7e8f
Revises: 8f3a4b5c6d7e
Create Date: 2026-11-26 02:15:00+00:00

Reviewed by hand: two integer columns, 0 by default. Existing revisions are filled from their snapshots: the JSON is
decoded in Python (SQLite and PostgreSQL share no JSON path syntax worth relying on for nested arrays), a few
revisions at a time so that a history of large plans never sits in memory at once. The walk is spelled out here
rather than imported, so that this migration keeps meaning the same when the Build Spec model changes; a snapshot
that does not decode counts as empty (it could not have been stored, but a migration must not stop on it).
Downgrading drops the columns; they can always be recomputed from the snapshots.
"""

from __future__ import annotations

import json
from typing import Any, Final

import sqlalchemy as sa
from advanced_alchemy.types import GUID
from alembic import op

# revision identifiers, used by Alembic.
revision = "9a4b5c6d7e8f"
down_revision = "8f3a4b5c6d7e"
branch_labels = None
depends_on = None

BATCH: Final = 50  # snapshots decoded per round trip; a 10,000-microstep plan is a few MB of JSON


def _children(node: Any, name: str) -> list[Any]:
    items = node.get(name) if isinstance(node, dict) else None
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def counts(snapshot: str) -> tuple[int, int]:
    """``(done, total)`` microsteps of a snapshot; a missing status is ``todo`` as in the Build Spec."""
    try:
        plan = json.loads(snapshot)
    except ValueError:
        return 0, 0
    statuses = [micro.get("status", "todo") for milestone in _children(plan, "milestones")
                for step in _children(milestone, "steps") for micro in _children(step, "microsteps")]
    return statuses.count("done"), len(statuses)


def upgrade() -> None:
    """Add the count columns and fill them for the revisions saved so far."""
    with op.batch_alter_table("plan_revision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("done_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("total_count", sa.Integer(), server_default="0", nullable=False))
    table = sa.table("plan_revision", sa.column("id", GUID(length=16)), sa.column("snapshot", sa.Text()),
                     sa.column("done_count", sa.Integer()), sa.column("total_count", sa.Integer()))
    update = (table.update().where(table.c.id == sa.bindparam("row_id"))
              .values(done_count=sa.bindparam("done"), total_count=sa.bindparam("total")))
    connection = op.get_bind()
    last = None
    while True:  # keyset pages by id: each query starts where the last one stopped, however many rows there are
        query = sa.select(table.c.id, table.c.snapshot).order_by(table.c.id).limit(BATCH)
        if last is not None:
            query = query.where(table.c.id > last)
        rows = connection.execute(query).all()
        if not rows:
            break
        changes = []
        for row_id, snapshot in rows:
            done, total = counts(snapshot)
            if total:
                changes.append({"row_id": row_id, "done": done, "total": total})
        if changes:
            connection.execute(update, changes)
        last = rows[-1][0]


def downgrade() -> None:
    """Drop the count columns."""
    with op.batch_alter_table("plan_revision", schema=None) as batch_op:
        batch_op.drop_column("total_count")
        batch_op.drop_column("done_count")
