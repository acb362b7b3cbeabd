"""Audit ledger fixtures: the ledger configured with the test secret, and tampering behind the triggers' back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.config import create_engine
from app.domain.audit.schemas import VerifyReport
from app.domain.audit.services import (
    AuditEvent,
    LedgerConfig,
    configure,
    create_checkpoint,
    lock_ledger,
    record_many,
    verify_ledger,
)
from app.server.settings import Settings

ORG = UUID("0192f3a4-b5c6-7d8e-9f0a-b1c2d3e4f5a6")
TABLES = ("audit_entry", "audit_checkpoint", "audit_node", "audit_prune")


@pytest.fixture
def ledger(settings: Settings) -> LedgerConfig:
    """The ledger configured as the app configures it (the test secret signs checkpoints), with a checkpoint every
    1,000 entries: not a multiple of the 256-entry tile (the default is), so that checkpoints have entries after
    their last tile, the case with the most to check."""
    return configure(replace(settings, audit_checkpoint_every=1000))


@pytest.fixture
async def ledger_1300(db: AsyncSession, settings: Settings) -> LedgerConfig:
    """1,300 entries (the first 600 in an organization), appended 500 at a time, with a checkpoint every 1,100
    entries: the checkpoint is at 1,100 and the stored tiles (256 entries each) reach 1,024."""
    config = configure(replace(settings, audit_checkpoint_every=1100))
    await append(db, 600, org_id=ORG)
    await append(db, 700)
    report = await verify(db, config)
    assert report.ok and report.latest_checkpoint == 1100, report
    return config


async def append(db: AsyncSession, count: int, *, org_id: Any = None, action: str = "test.event",
                 batch: int = 500) -> None:
    """Append ``count`` entries in committed batches (a checkpoint comes every 1,000 by default)."""
    done = 0
    while done < count:
        size = min(batch, count - done)
        await record_many(db, [AuditEvent(actor=f"user{done + i}@example.com", action=action, target=f"t{done + i}",
                                          payload={"n": done + i, "f": 0.1 * i, "s": "é\n\"x\""}, org_id=org_id)
                               for i in range(size)])
        await db.commit()
        done += size


async def checkpoint(db: AsyncSession, config: LedgerConfig) -> None:
    """Sign a checkpoint over everything so far."""
    assert config.signer is not None
    await lock_ledger(db)
    await create_checkpoint(db, config.signer)
    await db.commit()


async def verify(db: AsyncSession, config: LedgerConfig) -> VerifyReport:
    """Verify on a fresh transaction (the tampering happened on another connection)."""
    assert config.signer is not None
    await db.rollback()
    db.expunge_all()
    return await verify_ledger(db, config.signer, batch=97)  # an odd batch size crosses tiles and checkpoints


async def tamper(url: str, statements: Sequence[str], params: dict[str, Any] | None = None) -> None:
    """Run ``statements`` with the ledger's append-only triggers out of the way, then put them back."""
    engine = create_engine(url, pooled=False)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                for table in TABLES:
                    await connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
                for statement in statements:
                    await connection.execute(text(statement), params or {})
                for table in TABLES:
                    await connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
                return
            triggers = (await connection.execute(text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name LIKE 'audit_%'"))).all()
            assert len(triggers) == 2 * len(TABLES)
            for name, _sql in triggers:
                await connection.execute(text(f'DROP TRIGGER "{name}"'))
            for statement in statements:
                await connection.execute(text(statement), params or {})
            for _name, sql in triggers:
                await connection.execute(text(sql))
    finally:
        await engine.dispose()


@pytest.fixture
async def raw(database_url: str) -> AsyncIterator[Any]:
    """A second engine on the test database, for statements the triggers should refuse."""
    engine = create_engine(database_url, pooled=False)
    yield engine
    await engine.dispose()
