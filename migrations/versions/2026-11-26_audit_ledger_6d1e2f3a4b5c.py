"""Audit ledger: entries, signed checkpoints, stored Merkle subtree hashes, prunes; the database keeps them append-only.

Revision ID: 6d1e2f3a4b5c
Revises: 5c0f1d2e3a4b
Create Date: 2026-11-26 01:20:00+00:00

Reviewed by hand. Besides the tables, this revision creates triggers that refuse UPDATE and DELETE on the four
ledger tables (SQLite: ``RAISE(ABORT, ...)``; PostgreSQL: one plpgsql function raising ``restrict_violation``). The
one exception is the retention path: a DELETE of ``audit_entry`` rows at or below the highest
``audit_prune.through_seq`` passes, so pruning means first recording the prune (``br-server audit prune``), then
deleting exactly what it names. TRUNCATE is not covered (the PostgreSQL test fixtures truncate every table); run
the application as a role without TRUNCATE on these tables. The SQL is spelled out here, not imported: a migration
must not change when the application does.
"""

from __future__ import annotations

from typing import Final

import sqlalchemy as sa
from advanced_alchemy.types import GUID, DateTimeUTC
from alembic import op

# revision identifiers, used by Alembic.
revision = "6d1e2f3a4b5c"
down_revision = "5c0f1d2e3a4b"
branch_labels = None
depends_on = None

TABLES: Final = ("audit_entry", "audit_checkpoint", "audit_node", "audit_prune")
_PRUNED: Final = "COALESCE((SELECT MAX(through_seq) FROM audit_prune), 0)"

_PG_FUNCTION: Final = f"""
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_entry' THEN
        IF OLD.seq <= {_PRUNED} THEN  -- nested: plpgsql does not short-circuit, other tables have no seq
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'old entries are removed only by br-server audit prune';
END
$$
"""


def _sqlite_triggers(table: str) -> list[str]:
    delete_guard = f" WHEN OLD.seq > {_PRUNED}" if table == "audit_entry" else ""
    return [
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
        f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table}{delete_guard} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
    ]


def upgrade() -> None:
    """Create the ledger tables and their append-only triggers."""
    op.create_table(
        "audit_entry",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("organization_id", GUID(length=16), nullable=True),
        sa.Column("actor", sa.String(length=400), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_action_seq", ["action", "seq"], unique=False)
        batch_op.create_index("ix_audit_entry_org_seq", ["organization_id", "seq"], unique=False)
    op.create_table(
        "audit_checkpoint",
        sa.Column("tree_size", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("head_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_checkpoint")),
    )
    op.create_table(
        "audit_node",
        sa.Column("level", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx", name=op.f("pk_audit_node")),
    )
    op.create_table(
        "audit_prune",
        sa.Column("through_seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=False),
        sa.Column("before", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("created_at", DateTimeUTC(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=400), nullable=False),
        sa.PrimaryKeyConstraint("through_seq", name=op.f("pk_audit_prune")),
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION audit_append_only()")
    else:
        for table in TABLES:
            for statement in _sqlite_triggers(table):
                op.execute(statement)


def downgrade() -> None:
    """Drop the ledger (its triggers go with the tables; the PostgreSQL function after them)."""
    for table in reversed(TABLES):
        op.drop_table(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
