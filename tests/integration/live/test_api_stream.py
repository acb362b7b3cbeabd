"""``GET /api/v1/projects/{key}/events`` on a live server: delivery, replay, heartbeats, plan revisions, a slow
client that does not hold back the others, and who may open the stream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Final

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.live.events import live_hub
from app.domain.projects.services import PlanService, ProjectService
from tests.integration.conftest import Client, World, plan_bytes
from tests.integration.live.conftest import Keys, live_settings, served, stream

EVENTS: Final = "/api/v1/projects/WEB/events"
COMMENTS: Final = "/api/v1/projects/WEB/comments"


async def comment(client: httpx.AsyncClient, keys: Keys, body: str) -> str:
    created = await client.post(COMMENTS, json={"entity_type": "microstep", "entity_id": "ms-212", "body": body},
                                headers=keys.carol)
    assert created.status_code == 201, created.text
    comment_id: str = created.json()["id"]
    return comment_id


async def test_a_comment_posted_through_the_api_reaches_the_stream(
        database_url: str, tmp_path: Path, keys: Keys) -> None:
    async with (served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http,
                stream(http, EVENTS, keys.bob) as reader):
        comment_id = await comment(http, keys, "Ready for **QA**")
        event = await reader.next_event()  # the timeout only guards against a hang; latency is a bench figure
    assert event.event == "comment.created" and event.id == "1"
    payload = event.json()
    assert payload["id"] == 1 and payload["type"] == "comment.created"
    assert payload["entity"] == {"type": "microstep", "id": "ms-212"}
    assert payload["data"]["comment_id"] == comment_id and payload["data"]["project_key"] == "WEB"
    assert set(payload) == {"id", "type", "project", "entity", "data", "at"}


async def test_last_event_id_replays_what_was_missed_or_asks_for_a_reload(
        database_url: str, tmp_path: Path, keys: Keys) -> None:
    async with served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http:
        for n in range(4):
            await comment(http, keys, f"note {n}")
        # The history keeps 3 events: 2, 3 and 4.
        async with stream(http, EVENTS, {**keys.bob, "Last-Event-ID": "2"}) as reader:
            replayed = [await reader.next_event(), await reader.next_event()]
            assert [m.id for m in replayed] == ["3", "4"]
            await comment(http, keys, "live again")
            assert (await reader.next_event()).id == "5"
        for too_old in ("0", "1", "99"):  # 2 is gone; 99 was never sent (the numbering restarted)
            async with stream(http, EVENTS, {**keys.bob, "Last-Event-ID": too_old}) as reader:
                reset = await reader.next_event()
                assert reset.event == "reset" and reset.json() == {"reload": True}
        caught_up = await http.get(EVENTS, params={"follow": "false"}, headers={**keys.bob, "Last-Event-ID": "3"})
    assert caught_up.status_code == 200
    assert [line for line in caught_up.text.splitlines() if line.startswith("id:")] == ["id: 4", "id: 5"]


async def test_an_idle_stream_gets_heartbeats(database_url: str, tmp_path: Path, keys: Keys) -> None:
    async with (served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http,
                stream(http, EVENTS, keys.bob) as reader):
        beat = await reader.next(timeout=5)
    assert beat.comments == ["heartbeat"] and beat.event is None and beat.data == ""


async def test_a_plan_revision_streams_its_status_changes(database_url: str, tmp_path: Path, keys: Keys,
                                                          db: AsyncSession, world: World) -> None:
    async with (served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http,
                stream(http, EVENTS, keys.bob) as reader):
        moved = _with_status(plan_bytes(), "ms-212", "in_progress")
        await PlanService(db).save(world.bob, "WEB", moved, expected_revision=1)
        event = await reader.next_event()
    assert event.event == "plan.revision"
    data = event.json()["data"]
    assert data["revision"] == 2 and data["status_changes"] == {"ms-212": {"from": "todo", "to": "in_progress"}}
    assert event.json()["entity"] is None and not data["truncated"]


async def test_a_stalled_client_is_dropped_without_holding_back_another(
        database_url: str, tmp_path: Path, keys: Keys, db: AsyncSession, world: World) -> None:
    project = await ProjectService(db).get(world.bob, "WEB")
    await db.commit()  # end the read: SQLite lets the server write only when no transaction is open
    async with (served(live_settings(database_url, tmp_path)) as (url, app), httpx.AsyncClient(base_url=url) as http,
                stream(http, EVENTS, keys.bob) as reader):
        # The generator the route streams, opened and then never read again: a client that stopped reading.
        stalled = live_hub(app).stream(project.id, None)
        assert (await anext(stalled)).comment == "connected"
        for n in range(6):  # more than the backlog of 4
            await comment(http, keys, f"burst {n}")
        received = [await reader.next_event() for _ in range(6)]
        assert [m.id for m in received] == ["1", "2", "3", "4", "5", "6"]
        overflow = await anext(stalled)
        assert overflow.event == "overflow"
        assert await anext(stalled, None) is None  # and its stream ends


def _with_status(plan: bytes, microstep: str, status: str) -> bytes:
    raw = json.loads(plan)
    for milestone in raw["milestones"]:
        for step in milestone["steps"]:
            for micro in step["microsteps"]:
                if micro["id"] == microstep:
                    micro["status"] = status
    return json.dumps(raw, indent=2).encode()


async def test_who_may_open_the_stream(client: Client, db: AsyncSession, keys: Keys) -> None:
    assert (await client.get(EVENTS)).status_code == 401
    other = await client.get(EVENTS, headers=keys.eve)
    assert other.status_code == 404 and other.headers["content-type"].startswith("application/problem+json")
    bad = await client.get(EVENTS, params={"follow": "false"}, headers={**keys.bob, "Last-Event-ID": "abc"})
    assert bad.status_code == 400 and "Last-Event-ID" in bad.json()["detail"]
    ok = await client.get(EVENTS, params={"follow": "false"}, headers=keys.bob)
    assert ok.status_code == 200 and ok.text.startswith(": connected")
