"""Migration ``9a4b5c6d7e8f`` fills the new count columns of revisions saved before it (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import sqlalchemy as sa
from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.types import GUID, DateTimeUTC

from app.db import migrate
from app.db.config import create_engine, sqlalchemy_config
from tests.integration.conftest import plan_bytes

BEFORE, THIS = "8f3a4b5c6d7e", "9a4b5c6d7e8f"
NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _stamps() -> tuple[sa.ColumnClause[Any], ...]:
    return sa.column("created_at", DateTimeUTC(timezone=True)), sa.column("updated_at", DateTimeUTC(timezone=True))


ORGANIZATION = sa.table("organization", sa.column("id", GUID()), sa.column("slug"), sa.column("name"), *_stamps())
PROJECT = sa.table("project", sa.column("id", GUID()), sa.column("organization_id", GUID()), sa.column("key"),
                   sa.column("name"), sa.column("description"), sa.column("current_revision"), *_stamps())
REVISION = sa.table("plan_revision", sa.column("id", GUID()), sa.column("project_id", GUID()), sa.column("number"),
                    sa.column("snapshot"), sa.column("content_hash"), sa.column("message"), *_stamps())


def _plan(done: int, total: int) -> str:
    micro = [{"id": f"ms-{n}", "title": f"Task {n}", **({"status": "done"} if n < done else {})} for n in range(total)]
    return json.dumps({"version": 1, "project": {"name": "Old"},
                       "milestones": [{"id": "m-1", "title": "M", "steps": [{"id": "st-1", "title": "S",
                                                                                "microsteps": micro}]}]})


# (snapshot, expected done, expected total): the demo plan, a generated history longer than one batch, and oddities.
SNAPSHOTS: list[tuple[str, int, int]] = [
    (plan_bytes().decode(), 6, 30),
    *((_plan(n % 7, 5 + n % 11), min(n % 7, 5 + n % 11), 5 + n % 11) for n in range(120)),
    ("not json at all", 0, 0),
    (json.dumps({"milestones": [{"steps": [{"microsteps": [{"status": "done"}, "junk", {"id": "x"}]}]}, 7]}), 1, 2),
    (json.dumps([1, 2, 3]), 0, 0),
]


async def _seed(url: str) -> list[UUID]:
    engine = create_engine(url, pooled=False)
    ids = [uuid4() for _ in SNAPSHOTS]
    try:
        async with engine.begin() as connection:
            org, project = uuid4(), uuid4()
            await connection.execute(ORGANIZATION.insert().values(id=org, slug="old", name="Old", created_at=NOW,
                                                                  updated_at=NOW))
            await connection.execute(PROJECT.insert().values(
                id=project, organization_id=org, key="OLD", name="Old", description="",
                current_revision=len(SNAPSHOTS), created_at=NOW, updated_at=NOW))
            await connection.execute(REVISION.insert(), [
                {"id": row_id, "project_id": project, "number": number, "snapshot": snapshot,
                 "content_hash": "0" * 64, "message": "", "created_at": NOW, "updated_at": NOW}
                for number, (row_id, (snapshot, _done, _total)) in enumerate(zip(ids, SNAPSHOTS, strict=True), 1)])
    finally:
        await engine.dispose()
    return ids


async def _counts(url: str) -> dict[Any, tuple[int, int]]:
    engine = create_engine(url, pooled=False)
    table = sa.table("plan_revision", sa.column("id", GUID()), sa.column("done_count"), sa.column("total_count"))
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(sa.select(table.c.id, table.c.done_count, table.c.total_count))
            return {row_id: (done, total) for row_id, done, total in rows}
    finally:
        await engine.dispose()


def test_the_upgrade_fills_the_counts_of_earlier_revisions_and_the_downgrade_drops_them(empty_url: str) -> None:
    migrate.upgrade(empty_url, BEFORE)
    ids = asyncio.run(_seed(empty_url))
    migrate.upgrade(empty_url, THIS)
    counts = asyncio.run(_counts(empty_url))
    assert [counts[row_id] for row_id in ids] == [(done, total) for _snapshot, done, total in SNAPSHOTS]
    AlembicCommands(sqlalchemy_config=sqlalchemy_config(empty_url, pooled=False)).downgrade(BEFORE)
    assert migrate.check(empty_url).current == BEFORE
    migrate.upgrade(empty_url, THIS)  # and up again, as often as needed
    assert asyncio.run(_counts(empty_url)) == counts
