"""Two app instances behind one Redis agree on presence: someone whose page is connected to instance A is listed on
a page connected to instance B."""

from __future__ import annotations

from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.live.conftest import SECRET, Keys, server_process, stream
from tests.integration.live.test_page_stream import PAGE, next_of, session


async def test_a_viewer_on_instance_a_is_listed_on_instance_b(
        database_url: str, tmp_path: Path, keys: Keys, redis_url: str, db: AsyncSession) -> None:
    bob, carol = await session(db, "bob@example.com"), await session(db, "carol@example.com")
    env = {"BR_DATABASE_URL": database_url, "BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": SECRET,
           "BR_REDIS_URL": redis_url, "BR_LIVE_HEARTBEAT_SECONDS": "15"}
    async with server_process(env) as url_a, server_process(env) as url_b, \
            httpx.AsyncClient(base_url=url_a) as a, httpx.AsyncClient(base_url=url_b) as b, \
            stream(b, PAGE, bob) as on_b:
        assert "<li>Bob</li>" in (await next_of(on_b, "presence")).data
        async with stream(a, PAGE, carol):
            both = await next_of(on_b, "presence")
            assert "<li>Bob</li>" in both.data and "<li>Carol</li>" in both.data
        assert "Carol" not in (await next_of(on_b, "presence")).data  # and her leaving reached B as well
