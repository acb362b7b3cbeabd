"""Schema migrations through advanced-alchemy's Alembic commands, and the drift check.

These functions are synchronous: Alembic's env.py runs its own event loop.
"""

from __future__ import annotations

import asyncio
from typing import Any

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.base import metadata_registry
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from app.db.config import VERSION_TABLE, compare_type, create_engine, sqlalchemy_config

__all__ = ["MigrationState", "check", "generate", "upgrade"]


class MigrationState:
    """Where a database stands: its revision, the scripts' head and the differences to the models."""

    def __init__(self, current: str | None, head: str | None, diffs: list[Any]) -> None:
        """Record the state; ``diffs`` are Alembic autogenerate diff tuples."""
        self.current = current
        self.head = head
        self.diffs = diffs

    @property
    def ok(self) -> bool:
        """Whether the database is at head and matches the models."""
        return self.current == self.head and not self.diffs

    def describe(self) -> str:
        """One line per problem, or a single line saying all is well."""
        if self.current != self.head:
            return f"database is at revision {self.current or 'none'}, migrations head is {self.head}: " \
                   "run `br-server db upgrade`"
        if self.diffs:
            lines = [f"models and migrations differ ({len(self.diffs)} changes); generate a revision:"]
            lines.extend(f"  {diff!r}" for diff in self.diffs)
            return "\n".join(lines)
        return f"database at head {self.head}; models and migrations match"


def _commands(url: str) -> AlembicCommands:
    return AlembicCommands(sqlalchemy_config=sqlalchemy_config(url, pooled=False))


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` (creates the schema on an empty database)."""
    _commands(url).upgrade(revision)


def generate(url: str, message: str) -> None:
    """Autogenerate a revision from the models against the database at ``url`` (for developers)."""
    _commands(url).revision(message=message, autogenerate=True)


def check(url: str, metadata: MetaData | None = None) -> MigrationState:
    """Compare the database at ``url`` with the scripts' head and with the models (or ``metadata``)."""
    commands = _commands(url)
    head = ScriptDirectory.from_config(commands.config).get_current_head()
    target = metadata if metadata is not None else metadata_registry.get(None)
    engine = create_engine(url, pooled=False)

    def compare(connection: Connection) -> tuple[str | None, list[Any]]:
        context = MigrationContext.configure(
            connection, opts={"compare_type": compare_type, "version_table": VERSION_TABLE, "render_as_batch": True}
        )
        return context.get_current_revision(), list(compare_metadata(context, target))

    async def run() -> tuple[str | None, list[Any]]:
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(compare)
        finally:
            await engine.dispose()

    current, diffs = asyncio.run(run())
    return MigrationState(current, head, diffs)
