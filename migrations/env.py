"""Alembic environment, run by advanced-alchemy's command config (`br-server db ...`), never plain `alembic`."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

from advanced_alchemy.base import metadata_registry
from alembic import context
from alembic.autogenerate import rewriter

import app.db.models  # noqa: F401  (registers every table on the metadata)
from app.db.config import compare_type

if TYPE_CHECKING:
    from advanced_alchemy.alembic.commands import AlembicCommandConfig
    from sqlalchemy.engine import Connection
    from sqlalchemy.ext.asyncio import AsyncEngine

config = cast("AlembicCommandConfig", context.config)
writer = rewriter.Rewriter()


def _configure(**options: object) -> None:
    context.configure(
        target_metadata=metadata_registry.get(config.bind_key),
        compare_type=compare_type,
        version_table=config.version_table_name,
        version_table_schema=config.version_table_schema,
        version_table_pk=config.version_table_pk,
        user_module_prefix=config.user_module_prefix,
        render_as_batch=config.render_as_batch,
        process_revision_directives=writer,
        **options,
    )


def run_migrations_offline() -> None:
    """Emit SQL for the migrations without a database connection."""
    _configure(url=config.db_url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    """Run the migrations on the engine advanced-alchemy handed over."""
    engine = cast("AsyncEngine", config.engine)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
    finally:
        # Close the driver's connections inside this event loop, not after asyncio.run() has closed it.
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
