"""The deliveries migration on SQLite and PostgreSQL: up from its parent, down again, and up to a drift-free head."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa

from app.db import migrate
from app.db.config import create_engine

PARENT = "9a4b5c6d7e8f"
REVISION = "b5c6d7e8f9a0"


def _tables_and_indexes(url: str) -> tuple[set[str], set[str]]:
    async def read() -> tuple[set[str], set[str]]:
        engine = create_engine(url, pooled=False)
        try:
            async with engine.connect() as connection:
                def inspect(sync: sa.Connection) -> tuple[set[str], set[str]]:
                    inspector = sa.inspect(sync)
                    tables = set(inspector.get_table_names())
                    indexes = {index["name"] or "" for index in inspector.get_indexes("delivery")} \
                        if "delivery" in tables else set()
                    return tables, indexes
                return await connection.run_sync(inspect)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def test_upgrade_downgrade_upgrade(empty_url: str) -> None:
    migrate.upgrade(empty_url, PARENT)
    assert "delivery" not in _tables_and_indexes(empty_url)[0]
    migrate.upgrade(empty_url, REVISION)
    tables, indexes = _tables_and_indexes(empty_url)
    assert "delivery" in tables
    assert {"ix_delivery_status_next_attempt_at", "ix_delivery_organization_id"} <= indexes
    migrate._commands(empty_url).downgrade(PARENT)
    assert "delivery" not in _tables_and_indexes(empty_url)[0]
    migrate.upgrade(empty_url)
    state = migrate.check(empty_url)
    assert state.ok, state.describe()
