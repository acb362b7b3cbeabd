"""Audit entries name the encoding of their hashed body.

Revision ID: d7e8f9a0b1c2
Revises: c6d7e8f9a0b1
Create Date: 2026-11-26 09:00:00+00:00

Encoding 1 (text) is how every entry so far was hashed, so the new column defaults to it and upgrading changes no
row (adding a column with a constant default rewrites nothing, and fires none of the ledger's append-only triggers).
From now on PostgreSQL appends encoding-2 (binary) entries, which it rebuilds for verification at a fraction of the
cost (``app/domain/audit/encoding.py``); SQLite keeps encoding 1.

Downgrading drops the column, which is refused while encoding-2 entries exist: without it their hashes could no
longer be checked. (A plain ``DROP COLUMN``, not a batch copy of the table, which would lose the triggers.)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "d7e8f9a0b1c2"
down_revision = "c6d7e8f9a0b1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``audit_entry.encoding``, 1 for every existing entry."""
    op.add_column("audit_entry", sa.Column("encoding", sa.SmallInteger(), server_default=sa.text("1"),
                                           nullable=False))


def downgrade() -> None:
    """Drop ``audit_entry.encoding`` when every entry has encoding 1."""
    binary = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_entry WHERE encoding <> 1")).scalar_one()
    if binary:
        raise RuntimeError(f"{binary} audit entries use encoding 2, which the previous version cannot verify: "
                           "downgrading would leave their hashes unverifiable")
    op.drop_column("audit_entry", "encoding")
