"""``Idempotency-Key`` on pushes, patches and resolutions: a retry gets the first answer and changes nothing
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.config import create_engine
from app.db.models import IdempotencyRecord
from app.domain.projects.permissions import Action
from app.domain.projects.services import Claim, IdempotencyService, StoredAnswer, request_hash
from app.lib import clock
from app.lib.errors import Conflict, ValidationFailed
from buildrunner.merge import diff
from tests.integration.conftest import Client, World
from tests.integration.projects.sync_helpers import WEB, Callers, counts, demo, edited, put, with_plan

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.fixture
async def callers(db: AsyncSession, world: World) -> Callers:
    """WEB at revision 1 and a key for each caller."""
    return await with_plan(db, world)


@pytest.fixture
def frozen_clock() -> Iterator[list[datetime]]:
    """The server's clock, held at ``NOW``; move it by replacing the list's item."""
    moment = [NOW]
    clock.set_clock(lambda: moment[0])
    yield moment
    clock.set_clock(None)


def same_answer(first: object, second: object) -> None:
    """Status, body and ETag are the same."""
    for name in ("status_code", "content"):
        assert getattr(first, name) == getattr(second, name), name
    assert first.headers.get("etag") == second.headers.get("etag")  # type: ignore[attr-defined]


async def test_a_replayed_put_answers_the_same_and_saves_nothing(client: Client, db: AsyncSession,
                                                                 callers: Callers) -> None:
    plan = edited({"ms-111": {"title": "Once"}})
    first = await put(client, callers.alice, plan, '"1"', **{"Idempotency-Key": "push-1"})
    assert first.status_code == 200 and first.headers["etag"] == '"2"'
    assert await counts(db) == (2, 0)
    again = await put(client, callers.alice, plan, '"1"', **{"Idempotency-Key": "push-1"})
    same_answer(first, again)
    assert again.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert await counts(db) == (2, 0)
    other = await put(client, callers.alice, edited({"ms-111": {"title": "Twice"}}), '"1"',
                      **{"Idempotency-Key": "push-1"})
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    assert "already used for a different request" in other.json()["detail"]
    moved = await put(client, callers.alice, plan, '"2"', **{"Idempotency-Key": "push-1"})  # another If-Match
    assert moved.status_code == 422


async def test_a_replayed_conflict_is_logged_once(client: Client, db: AsyncSession, callers: Callers) -> None:
    assert (await put(client, callers.bob, edited({"ms-111": {"title": "Bob's"}}), '"1"')).status_code == 200
    mine = edited({"ms-111": {"title": "Alice's"}})
    first = await put(client, callers.alice, mine, '"1"', **{"Idempotency-Key": "k"})
    assert first.status_code == 409 and first.headers["content-type"].startswith("application/problem+json")
    again = await put(client, callers.alice, mine, '"1"', **{"Idempotency-Key": "k"})
    same_answer(first, again)
    assert again.headers["content-type"].startswith("application/problem+json")
    assert await counts(db) == (2, 1)
    (item,) = first.json()["conflicts"]
    url = f"{WEB}/conflicts/{first.json()['conflict_id']}/resolve"
    choice = {"resolutions": {item["id"]: {"choice": "ours"}}}
    resolved = await client.post(url, json=choice, headers={**callers.alice, "Idempotency-Key": "r"})
    replayed = await client.post(url, json=choice, headers={**callers.alice, "Idempotency-Key": "r"})
    assert resolved.status_code == 200
    same_answer(resolved, replayed)
    assert await counts(db) == (3, 1)


async def test_a_replayed_patch_answers_the_same(client: Client, db: AsyncSession, callers: Callers) -> None:
    delta = {"delta": diff(demo(), edited({"ms-212": {"status": "blocked"}}))}
    headers = {**callers.bob, "If-Match": '"1"', "Idempotency-Key": "patch-7"}
    first = await client.patch(f"{WEB}/plan", json=delta, headers=headers)
    again = await client.patch(f"{WEB}/plan", json=delta, headers=headers)
    assert first.status_code == 200
    same_answer(first, again)
    assert await counts(db) == (2, 0)


async def test_keys_belong_to_one_caller_and_project(client: Client, db: AsyncSession, callers: Callers) -> None:
    first = await put(client, callers.alice, edited({"ms-111": {"title": "Alice's"}}), '"1"',
                      **{"Idempotency-Key": "shared"})
    # Bob's request with the same key is his own: it runs (and conflicts) instead of reading alice's answer.
    bob = await put(client, callers.bob, edited({"ms-111": {"title": "Bob's"}}), '"1"',
                    **{"Idempotency-Key": "shared"})
    assert first.status_code == 200 and bob.status_code == 409 and "idempotent-replayed" not in bob.headers
    eve = await put(client, callers.eve, edited({"ms-111": {"title": "Alice's"}}), '"1"',
                    **{"Idempotency-Key": "shared"})
    assert eve.status_code == 404 and "idempotent-replayed" not in eve.headers
    dan = await put(client, callers.dan, edited({"ms-111": {"title": "Alice's"}}), '"1"',
                    **{"Idempotency-Key": "shared"})
    assert dan.status_code == 403


@pytest.mark.parametrize("key", ["", "has space", "del\x7f", "x" * 256, "tab\there"])
async def test_a_malformed_key_is_refused(client: Client, db: AsyncSession, callers: Callers, key: str) -> None:
    answer = await put(client, callers.alice, demo(), '"1"', **{"Idempotency-Key": key})
    assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["detail"]
    assert await counts(db) == (1, 0)


async def test_a_key_in_progress_is_refused_until_its_lease_ends(db: AsyncSession, world: World,
                                                                 frozen_clock: list[datetime]) -> None:
    await with_plan(db, world)
    service, fingerprint = IdempotencyService(db), request_hash("PUT", "/p", '"1"', b"{}")
    claim = await service.begin(world.alice, "WEB", "k", fingerprint, action=Action.EDIT_PLAN)
    assert isinstance(claim, Claim)
    with pytest.raises(Conflict, match="in progress"):
        await service.begin(world.alice, "WEB", "k", fingerprint, action=Action.EDIT_PLAN)
    with pytest.raises(ValidationFailed):
        await service.begin(world.alice, "WEB", "k", request_hash("PUT", "/p", '"2"', b"{}"),
                            action=Action.EDIT_PLAN)
    frozen_clock[0] = NOW + timedelta(minutes=3)  # the first request died: a retry takes its place
    taken = await service.begin(world.alice, "WEB", "k", fingerprint, action=Action.EDIT_PLAN)
    assert taken == claim
    await service.finish(claim, StoredAnswer(status=200, body=b"{}", media_type="application/json", etag='"1"'))
    replay = await service.begin(world.alice, "WEB", "k", fingerprint, action=Action.EDIT_PLAN)
    assert replay == StoredAnswer(status=200, body=b"{}", media_type="application/json", etag='"1"')
    frozen_clock[0] = NOW + timedelta(hours=25)  # kept 24 hours, then purged: the key is new again
    assert isinstance(await service.begin(world.alice, "WEB", "k", fingerprint, action=Action.EDIT_PLAN), Claim)
    assert await db.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1


async def test_two_requests_with_one_key_never_both_run(database_url: str, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    engine = create_engine(database_url, pooled=False)
    makers = async_sessionmaker(engine, expire_on_commit=False)
    fingerprint = request_hash("PUT", "/p", '"1"', b"{}")

    async def attempt() -> object:
        async with makers() as session:
            try:
                return await IdempotencyService(session).begin(world.alice, "WEB", "race", fingerprint,
                                                               action=Action.EDIT_PLAN)
            except Conflict as exc:
                return exc

    try:
        results = await asyncio.gather(*(attempt() for _ in range(4)))
    finally:
        await engine.dispose()
    assert sum(isinstance(result, Claim) for result in results) == 1
    assert sum(isinstance(result, Conflict) for result in results) == 3
