"""The two presence stores keep the same promises: one entry per person and item however many tabs, a goodbye only
when the last tab closes, heartbeats that keep an entry and expiry that drops it, typing said once then kept alive
by pings no more often than every few seconds. Two Redis stores (two app instances) agree."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import uuid4

import pytest

from app.domain.accounts.schemas import Principal
from app.domain.live.presence import MemoryPresence, PresenceStore, RedisPresence, Viewer
from app.domain.live.web import _viewer


@dataclass
class Clock:
    """A clock the test moves by hand."""

    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


BOB = Viewer(user_id="b", name="Bob", entity="microstep:ms-1")
ALICE = Viewer(user_id="a", name="Alice", entity="microstep:ms-1")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest, clock: Clock) -> AsyncIterator[PresenceStore]:
    if request.param == "memory":
        yield MemoryPresence(ttl=45, typing_ttl=6, clock=clock)
        return
    from redis.asyncio import Redis  # noqa: PLC0415

    client = Redis.from_url(request.getfixturevalue("redis_url"))
    yield RedisPresence(client, prefix=f"br:test:{uuid4()}", ttl=45, typing_ttl=6, clock=clock)
    await client.aclose()


async def test_join_and_leave_per_person_not_per_tab(store: PresenceStore) -> None:
    project = uuid4()
    assert await store.join(project, "tab-1", BOB) is True
    assert await store.join(project, "tab-2", BOB) is False  # a second tab: nobody needs telling
    assert await store.join(project, "tab-3", ALICE) is True
    assert [v.name for v in (await store.snapshot(project)).viewers] == ["Alice", "Bob"]
    assert await store.leave(project, "tab-1") is False  # Bob still has tab 2 open
    assert await store.leave(project, "tab-2") is True
    assert await store.leave(project, "tab-2") is False  # already gone
    assert [v.name for v in (await store.snapshot(project)).viewers] == ["Alice"]
    assert (await store.snapshot(uuid4())).viewers == []  # per project


async def test_heartbeats_keep_an_entry_and_silence_expires_it(store: PresenceStore, clock: Clock) -> None:
    project = uuid4()
    await store.join(project, "tab-1", BOB)
    await store.join(project, "tab-2", ALICE)
    clock.now += 40
    assert await store.touch(project, BOB) is True
    clock.now += 10  # 50 s after joining: Alice said nothing and expired, Bob's heartbeat kept him
    assert [v.name for v in (await store.snapshot(project)).viewers] == ["Bob"]
    assert await store.touch(project, ALICE) is False
    clock.now += 46
    assert (await store.snapshot(project)).viewers == []


async def test_typing_is_started_once_then_throttled_then_expires(store: PresenceStore, clock: Clock) -> None:
    project = uuid4()
    assert await store.typing(project, BOB) == "started"
    clock.now += 1
    assert await store.typing(project, BOB) is None  # sooner than 2.5 s: ignored
    clock.now += 2
    assert await store.typing(project, BOB) == "continued"
    assert [v.name for v in (await store.snapshot(project)).typing] == ["Bob"]
    clock.now += 6.5
    assert (await store.snapshot(project)).typing == []
    assert await store.typing(project, BOB) == "started"  # after a pause it is news again


async def test_two_instances_behind_one_redis_agree(redis_url: str, clock: Clock) -> None:
    from redis.asyncio import Redis  # noqa: PLC0415

    prefix, project = f"br:test:{uuid4()}", uuid4()
    one, two = Redis.from_url(redis_url), Redis.from_url(redis_url)
    a = RedisPresence(one, prefix=prefix, clock=clock)
    b = RedisPresence(two, prefix=prefix, clock=clock)
    try:
        assert await a.join(project, "tab-on-a", BOB) is True
        assert await b.join(project, "tab-on-b", BOB) is False  # B knows Bob is already shown (from A)
        assert await b.typing(project, ALICE) == "started"
        seen_by_a = await a.snapshot(project)
        assert [v.name for v in seen_by_a.viewers] == ["Bob"] and [v.name for v in seen_by_a.typing] == ["Alice"]
        assert await a.leave(project, "tab-on-a") is False
        assert await b.leave(project, "tab-on-b") is True
        assert (await a.snapshot(project)).viewers == []
        assert 0 < await one.ttl(f"{prefix}:{project}:typing") <= 13  # the hash itself expires too
    finally:
        await one.aclose()
        await two.aclose()


def test_an_impersonating_admin_shows_as_who_is_really_there() -> None:
    """Others on the page see "Carol (by gina@…)", not Carol alone, while a GlobalAdmin acts as her."""
    carol = Principal(user_id=uuid4(), email="carol@example.com", name="Carol")
    assert _viewer(carol, "microstep:ms-1").name == "Carol"
    acting = Principal(user_id=carol.user_id, email=carol.email, name="Carol", impersonator="gina@example.com")
    assert _viewer(acting, "microstep:ms-1") == Viewer(user_id=str(carol.user_id), name="Carol (by gina@example.com)",
                                                       entity="microstep:ms-1")
