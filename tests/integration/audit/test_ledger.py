"""The ledger on SQLite and PostgreSQL: appends, the database's refusal to change them, the canonical encoding the
database builds, automatic checkpoints, serialized concurrent appends."""

from __future__ import annotations

import asyncio
import string
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.config import create_engine
from app.db.models import AuditCheckpoint, AuditEntry, AuditNode
from app.domain.audit.encoding import BINARY, GENESIS, TEXT, entry_body, entry_hash
from app.domain.audit.services import (
    DEFAULT_CHECKPOINT_EVERY,
    TILE,
    AuditEvent,
    LedgerConfig,
    configure,
    record,
    record_many,
    verify_ledger,
)
from app.domain.audit.services._sql import fetch_entries
from app.lib import clock
from app.server.settings import Settings
from tests.integration.audit.conftest import append, verify

REFUSED = (DBAPIError, IntegrityError)


async def test_entries_chain_and_verify(db: AsyncSession, ledger: LedgerConfig) -> None:
    first = await record(db, "alice@example.com", "auth.login", target="web", payload={"ip": "10.0.0.1"})
    second = await record(db, "system", "policy.change", payload={"rule": "done needs QA", "x": [1, 2.5, None]})
    await db.commit()
    assert (first.seq, second.seq) == (1, 2)
    rows = (await db.scalars(select(AuditEntry).order_by(AuditEntry.seq))).all()
    assert rows[0].prev_hash == GENESIS and rows[1].prev_hash == rows[0].hash == first.hash
    assert rows[1].payload == '{"rule":"done needs QA","x":[1,2.5,null]}'  # canonical: sorted keys, no spaces
    report = await verify(db, ledger)
    assert report.ok, report.problem
    assert (report.entries, report.checkpoints, report.unsigned) == (2, 0, 2)


async def test_an_entry_rolls_back_with_its_transaction(db: AsyncSession, ledger: LedgerConfig) -> None:
    await record(db, "a@example.com", "auth.login")
    await db.rollback()
    await record(db, "b@example.com", "auth.login")
    await db.commit()
    assert (await db.scalars(select(AuditEntry.actor))).all() == ["b@example.com"]
    assert (await verify(db, ledger)).ok


async def test_an_append_in_a_rolled_back_savepoint_is_not_chained_onto(db: AsyncSession,
                                                                        ledger: LedgerConfig) -> None:
    await record(db, "a@example.com", "auth.login")
    try:
        async with db.begin_nested():
            await record(db, "b@example.com", "auth.login")
            raise RuntimeError("the action failed")
    except RuntimeError:
        pass
    await record(db, "c@example.com", "auth.login")
    await db.commit()
    assert (await db.execute(select(AuditEntry.seq, AuditEntry.actor).order_by(AuditEntry.seq))).all() == [
        (1, "a@example.com"), (2, "c@example.com")]
    assert (await verify(db, ledger)).ok


async def test_the_database_refuses_update_and_delete(db: AsyncSession, ledger: LedgerConfig, raw: Any) -> None:
    await append(db, 1000)  # makes a checkpoint and stored subtrees too
    statements = [
        "UPDATE audit_entry SET actor = 'mallory' WHERE seq = 5",
        "UPDATE audit_entry SET seq = seq + 1000 WHERE seq = 1000",
        "DELETE FROM audit_entry WHERE seq = 1000",
        "DELETE FROM audit_entry",
        "UPDATE audit_checkpoint SET root_hash = head_hash",
        "DELETE FROM audit_checkpoint",
        "UPDATE audit_node SET hash = hash",
        "DELETE FROM audit_node",
    ]
    for statement in statements:
        with pytest.raises(REFUSED, match="append-only"):
            async with raw.begin() as connection:
                await connection.execute(text(statement))
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(AuditEntry)) == 1000
    assert await db.scalar(select(func.count()).select_from(AuditCheckpoint)) == 1
    assert await db.scalar(select(func.count()).select_from(AuditNode)) == 3 + 1  # 3 tiles of 256, one of 512
    assert (await verify(db, ledger)).ok


async def test_a_checkpoint_comes_every_thousand_entries(db: AsyncSession, ledger: LedgerConfig) -> None:
    await append(db, 2300, batch=700)
    sizes = (await db.scalars(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size))).all()
    assert sizes == [1000, 2000]  # the multiples the batches crossed, not the heads they ended at (1,400, 2,100)
    report = await verify(db, ledger)
    assert report.ok and report.latest_checkpoint == 2000 and report.unsigned == 300


async def test_by_default_checkpoints_end_on_a_whole_tile(db: AsyncSession, settings: Settings) -> None:
    config = configure(settings)
    assert config.checkpoint_every == DEFAULT_CHECKPOINT_EVERY == 1024
    await append(db, 5000, batch=3000)  # one batch crosses 1,024 and 2,048: the checkpoint is at the last of them
    sizes = (await db.scalars(select(AuditCheckpoint.tree_size).order_by(AuditCheckpoint.tree_size))).all()
    assert sizes == [2048, 4096]
    assert all(size % TILE == 0 for size in sizes)
    report = await verify(db, config)
    assert report.ok and report.latest_checkpoint == 4096 and report.unsigned == 5000 - 4096


_TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40)
_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.floats(allow_nan=False) | _TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_TEXT, children, max_size=4), max_leaves=12)


@examples(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actor=_TEXT, action=st.text(string.ascii_lowercase + "._", min_size=1, max_size=20), target=_TEXT,
       payload=st.dictionaries(_TEXT, _JSON, max_size=5), global_event=st.booleans(),
       micros=st.integers(0, 999_999))
async def test_the_database_builds_the_canonical_body(db: AsyncSession, ledger: LedgerConfig, actor: str, action: str,
                                                      target: str, payload: dict[str, Any], global_event: bool,
                                                      micros: int) -> None:
    """Verification hashes what SQLite/PostgreSQL concatenate: it must be, byte for byte, what Python hashed."""
    moment = datetime(2026, 11, 26, 1, 2, 3, micros, tzinfo=UTC)
    clock.set_clock(lambda: moment)
    try:
        org = None if global_event else uuid4()
        done = await record(db, actor, action, target=target, payload=payload, org_id=org)
        await db.commit()
    finally:
        clock.set_clock(None)
    row = await db.get_one(AuditEntry, done.seq)
    assert row.encoding == (BINARY if db.bind.dialect.name == "postgresql" else TEXT)
    body = entry_body(seq=row.seq, created_at=row.created_at, organization_id=row.organization_id, actor=row.actor,
                      action=row.action, target=row.target, payload=row.payload, encoding=row.encoding)
    [(seq, prev, digest, built)] = await fetch_entries(db, done.seq - 1, done.seq, 1)
    assert (seq, bytes(built)) == (done.seq, body)
    assert entry_hash(bytes(prev), bytes(built)) == bytes(digest) == done.hash
    assert row.created_at == moment


async def test_a_ledger_begun_in_the_text_encoding_goes_on_in_the_database_s_own(db: AsyncSession,
                                                                                 ledger: LedgerConfig) -> None:
    """As after the upgrade that introduced encodings: every earlier entry is in the text encoding (PostgreSQL then
    appends binary ones), and both kinds verify, in the quick check and in the full walk, with their bodies built by
    the database exactly as Python builds them."""
    moment = datetime(2026, 11, 26, 1, 2, 3, 450, tzinfo=UTC)
    prev, rows = GENESIS, []
    for seq in range(1, 301):
        org = None if seq % 3 else UUID(int=seq)
        fields = {"seq": seq, "created_at": moment, "organization_id": org, "actor": f"ü{seq}@example.com",
                  "action": "test.legacy", "target": f"t{seq}", "payload": f'{{"n":{seq},"s":"é"}}'}
        digest = entry_hash(prev, entry_body(**fields, encoding=TEXT))
        rows.append({**fields, "prev_hash": prev, "hash": digest, "encoding": TEXT})
        prev = digest
    await db.execute(insert(AuditEntry), rows)
    await db.commit()
    await append(db, 800)  # crosses the checkpoint at 1,000
    encodings = dict((await db.execute(select(AuditEntry.encoding, func.count()).group_by(AuditEntry.encoding))).all())
    own = BINARY if db.bind.dialect.name == "postgresql" else TEXT
    assert encodings == ({TEXT: 300, BINARY: 800} if own == BINARY else {TEXT: 1100})
    built = await fetch_entries(db, 0, 1100, 1100)
    assert all(entry_hash(bytes(prev), bytes(body)) == bytes(digest) for _, prev, digest, body in built)
    for full in (False, True):
        await db.rollback()
        assert ledger.signer is not None
        report = await verify_ledger(db, ledger.signer, full=full)
        assert report.ok and report.entries == 1100 and report.latest_checkpoint == 1000, report


async def test_control_characters_never_reach_the_encoding(db: AsyncSession, ledger: LedgerConfig) -> None:
    await record(db, "eve\x1f\x00@example.com", "auth.login_failed\n", target="a\x1fb")
    await db.commit()
    row = (await db.scalars(select(AuditEntry))).one()
    assert (row.actor, row.action, row.target) == ("eve\ufffd\ufffd@example.com", "auth.login_failed\ufffd", "a\ufffdb")
    assert (await verify(db, ledger)).ok


async def test_concurrent_appends_keep_one_chain(database_url: str, db: AsyncSession, ledger: LedgerConfig) -> None:
    engine = create_engine(database_url, pooled=False)
    maker = async_sessionmaker(engine, expire_on_commit=False)

    async def writer(number: int) -> None:
        for round_ in range(10):
            async with maker() as session:
                await session.execute(select(1))  # a read first: the lock must still give the current head
                await record_many(session, [AuditEvent(actor=f"w{number}", action="test.concurrent",
                                                       payload={"round": round_, "i": i}) for i in range(3)])
                await asyncio.sleep(0)
                await session.commit()

    try:
        await asyncio.gather(*(writer(number) for number in range(4)))
    finally:
        await engine.dispose()
    assert await db.scalar(select(func.count()).select_from(AuditEntry)) == 4 * 10 * 3
    report = await verify(db, ledger)
    assert report.ok, report.problem


async def test_org_ids_survive_the_round_trip(db: AsyncSession, ledger: LedgerConfig) -> None:
    org = UUID("01234567-89ab-cdef-0123-456789abcdef")
    await record(db, "a", "member.role_change", org_id=org)
    await db.commit()
    assert (await db.scalars(select(AuditEntry.organization_id))).one() == org
    assert (await verify(db, ledger)).ok
