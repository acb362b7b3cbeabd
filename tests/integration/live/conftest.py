"""Live updates against real servers: the app served by uvicorn on a free port (in the test's event loop, or as
separate processes sharing Redis), read with httpx streaming like any SSE client."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.projects.services import PlanService
from app.server.app import create_app
from app.server.settings import Settings
from tests.integration.api.conftest import key_caller
from tests.integration.conftest import World, plan_bytes

REDIS_URL = os.environ.get("BR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-" + "x" * 32


@dataclass
class Event:
    """One SSE message: its fields, and the comment lines before it."""

    event: str | None = None
    id: str | None = None
    data: str = ""
    retry: str | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


class Reader:
    """Reads SSE messages off a streaming httpx response."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self._lines = response.aiter_lines()

    async def next(self, timeout: float = 5) -> Event:
        """The next message (a block ended by a blank line), within ``timeout`` seconds."""
        async with asyncio.timeout(timeout):
            message = Event()
            async for line in self._lines:
                if not line:
                    return message
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if not name:
                    message.comments.append(value)
                elif name == "data":
                    message.data = f"{message.data}\n{value}" if message.data else value
                elif name in ("event", "id", "retry"):
                    setattr(message, name, value)
            raise EOFError("the stream ended")

    async def next_event(self, timeout: float = 5) -> Event:
        """The next message that is an event (heartbeats skipped)."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.next(timeout)
                if message.event is not None:
                    return message


@asynccontextmanager
async def stream(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> AsyncIterator[Reader]:
    """An open SSE stream, past its opening ``: connected`` message."""
    async with client.stream("GET", url, headers={**headers, "Accept": "text/event-stream"}) as response:
        assert response.status_code == 200, await response.aread()
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = Reader(response)
        opening = await reader.next()
        assert opening.comments == ["connected"] and opening.retry == "3000"
        yield reader


def live_settings(database_url: str, data_dir: Path, **extra: str) -> Settings:
    """Settings of a test server: heartbeats every second, a backlog of 4, a history of 3 events."""
    return Settings.from_env({
        "BR_DATABASE_URL": database_url, "BR_DATA_DIR": str(data_dir), "BR_SECRET_KEY": SECRET,
        "BR_LIVE_HEARTBEAT_SECONDS": "1", "BR_LIVE_BACKLOG": "4", "BR_LIVE_HISTORY": "3", **extra,
    })


@asynccontextmanager
async def served(settings: Settings) -> AsyncIterator[tuple[str, Any]]:
    """The app on a free port in this event loop: ``(base URL, app)``."""
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=1))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("the server stopped while starting")
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        await task


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@asynccontextmanager
async def server_process(settings_env: dict[str, str]) -> AsyncIterator[str]:
    """``br-server``'s app in its own uvicorn process (another app instance): its base URL once it answers."""
    port = free_port()
    env = {**os.environ, **settings_env}
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "app.server.app:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            for _ in range(300):
                if process.poll() is not None:
                    raise RuntimeError(f"the server process exited with {process.returncode}")
                try:
                    if (await client.get("/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the server process did not start")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Keys:
    """Bearer headers: bob reads the stream, carol comments, eve is of another organization."""

    bob: dict[str, str]
    carol: dict[str, str]
    eve: dict[str, str]


@pytest.fixture
async def keys(db: AsyncSession, world: World) -> Keys:
    """WEB with the demo plan at revision 1, and API keys for bob, carol and eve."""
    await PlanService(db).save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    return Keys(
        bob=(await key_caller(db, "bob", world.bob, "plan:read")).headers,
        carol=(await key_caller(db, "carol", world.carol, "plan:read", "comments:write")).headers,
        eve=(await key_caller(db, "eve", world.eve, "plan:read")).headers,
    )


@pytest.fixture
def redis_url() -> Iterator[str]:
    """Redis for the tests that need it (skipped, or failed under BR_REQUIRE_SERVICES=1, when it is down)."""
    import redis  # noqa: PLC0415

    from tests.conftest import unavailable  # noqa: PLC0415

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        unavailable(f"Redis at {REDIS_URL} is unreachable: {exc}")
    yield REDIS_URL
