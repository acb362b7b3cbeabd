"""The two event logs keep the same promises: numbers from 1 per project, the last ``size`` events kept, and
``since`` answering None (reload) when an id is older than what is kept or newer than any event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import pytest

from app.domain.comments.services import CommentEvent
from app.domain.live.services import EventLog, MemoryEventLog, RedisEventLog, live_fields, read_head


def event(project: UUID) -> CommentEvent:
    return CommentEvent(name="comment.created", project_id=project, project_key="WEB", organization_id=uuid4(),
                        entity_type="microstep", entity_id="ms-1", comment_id=uuid4(), thread_id=uuid4(),
                        author_id=None, actor_id=None)


@pytest.fixture(params=["memory", "redis"])
async def log(request: pytest.FixtureRequest) -> AsyncIterator[EventLog]:
    if request.param == "memory":
        yield MemoryEventLog(3)
        return
    from redis.asyncio import Redis  # noqa: PLC0415

    url: str = request.getfixturevalue("redis_url")
    client = Redis.from_url(url)
    yield RedisEventLog(client, 3, prefix=f"br:test:{uuid4()}")
    await client.aclose()


async def test_numbers_keeps_and_replays(log: EventLog) -> None:
    project, other = uuid4(), uuid4()
    for _ in range(5):
        happened = event(project)
        fields = live_fields(happened)
        assert fields is not None
        await log.append(project, happened, fields[1], fields[2])
    fields = live_fields(event(other))
    assert fields is not None
    assert read_head(await log.append(other, event(other), fields[1], fields[2])).id == 1  # per project
    assert [number for number, _ in await log.since(project, 2) or []] == [3, 4, 5]
    assert [read_head(data).type for _, data in await log.since(project, 3) or []] == ["comment.created"] * 2
    assert await log.since(project, 5) == []
    assert await log.since(project, 1) is None  # 2 is no longer kept
    assert await log.since(project, 6) is None  # never sent: the numbering restarted
    assert await log.since(uuid4(), 0) == []
    assert [number for number, _ in await log.recent(project)] == [3, 4, 5]  # what is kept, oldest first
    assert all(read_head(data).at is not None for _, data in await log.recent(project))
    assert await log.recent(uuid4()) == []
