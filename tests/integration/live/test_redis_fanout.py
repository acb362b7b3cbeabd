"""Two app instances (two uvicorn processes) sharing Redis: a comment posted on one reaches a stream of the other,
and either replays the events the other published."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import httpx

from tests.integration.live.conftest import SECRET, Keys, server_process, stream

EVENTS: Final = "/api/v1/projects/WEB/events"


async def test_instances_behind_one_redis_deliver_each_others_events(
        database_url: str, tmp_path: Path, keys: Keys, redis_url: str) -> None:
    env = {"BR_DATABASE_URL": database_url, "BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": SECRET,
           "BR_REDIS_URL": redis_url, "BR_LIVE_HEARTBEAT_SECONDS": "15"}
    async with server_process(env) as url_a, server_process(env) as url_b, \
            httpx.AsyncClient(base_url=url_a) as a, httpx.AsyncClient(base_url=url_b) as b:
        async with stream(b, EVENTS, keys.bob) as on_b:
            posted = await a.post("/api/v1/projects/WEB/comments", headers=keys.carol, json={
                "entity_type": "microstep", "entity_id": "ms-212", "body": "from instance A"})
            assert posted.status_code == 201, posted.text
            event = await on_b.next_event()
        assert event.event == "comment.created" and event.id == "1"
        assert event.json()["data"]["comment_id"] == posted.json()["id"]
        # B numbers its events after A's (one counter in Redis), and A replays them from the shared history.
        again = await b.post("/api/v1/projects/WEB/comments", headers=keys.carol, json={
            "entity_type": "microstep", "entity_id": "ms-212", "body": "from instance B"})
        assert again.status_code == 201
        replay = await a.get(EVENTS, params={"follow": "false"}, headers={**keys.bob, "Last-Event-ID": "0"})
    assert [line for line in replay.text.splitlines() if line.startswith("id:")] == ["id: 1", "id: 2"]
