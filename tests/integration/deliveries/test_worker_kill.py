"""``br-server worker`` against Redis and PostgreSQL, as separate processes: killed with SIGKILL in the middle of
deliveries, a new worker finishes them, and every recipient gets exactly one email; SIGTERM stops one cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis
from aiosmtpd.controller import Controller
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db import migrate
from app.db.config import create_engine
from app.db.models import Delivery
from app.domain.deliveries.services import DeliveryConfig, DeliveryMessage, DeliveryService, configure, kick
from app.server.jobs._saq import SaqJobQueue
from app.server.settings import Settings
from tests.conftest import PostgresDatabases, unavailable
from tests.integration.conftest import Inbox, free_port
from tests.integration.deliveries.conftest import SECRET

ROOT = Path(__file__).resolve().parents[3]
REDIS_BASE = os.environ.get("BR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0").rsplit("/", 1)[0]
N = 20


class TrackingInbox(Inbox):
    """An inbox that also tells how many DATA commands are in progress and when it last accepted one."""

    def __init__(self, slow: set[str], delay: float) -> None:
        super().__init__(slow, delay)
        self.in_data = 0
        self.last_accept = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.in_data += 1
        try:
            answer = await super().handle_DATA(server, session, envelope)
        finally:
            self.in_data -= 1
        if answer.startswith("250"):
            self.last_accept = time.monotonic()
        return answer


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    """A Redis database of its own (index 14), emptied before and after."""
    url = f"{REDIS_BASE}/14"
    client = aioredis.from_url(url)
    try:
        await client.flushdb()
    except (OSError, aioredis.ConnectionError) as exc:
        await client.aclose()
        unavailable(f"Redis at {url} is unreachable: {exc}")
    yield url
    await client.flushdb()
    await client.aclose()


@pytest.fixture
def postgres_url(postgres_databases: PostgresDatabases) -> str:
    """A fresh migrated PostgreSQL database."""
    url = postgres_databases.create()
    migrate.upgrade(url)
    return url


@pytest.fixture
def slow_smtp() -> Iterator[tuple[str, TrackingInbox]]:
    """An SMTP server slow to acknowledge the messages of every other recipient."""
    inbox = TrackingInbox({f"user{index}@example.com" for index in range(0, N, 2)}, delay=1.5)
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


def _env(postgres_url: str, redis_url: str, smtp_url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "BR_DATABASE_URL": postgres_url, "BR_REDIS_URL": redis_url, "BR_SMTP_URL": smtp_url,
            "BR_SECRET_KEY": SECRET, "BR_DATA_DIR": str(tmp_path), "BR_JOB_TIMEOUT_SECONDS": "6",
            "BR_JOB_HEARTBEAT_SECONDS": "2", "BR_DELIVERY_SWEEP_SECONDS": "1", "BR_DELIVERY_RETRY_SECONDS": "1",
            "BR_WORKER_CONCURRENCY": "5"}


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)


async def _until(check: Any, what: str, log: Path) -> None:
    """Wait for ``check()``; the limit only ends a broken run (it measures nothing)."""
    for _ in range(1800):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never happened: {what}\n--- worker log ---\n{log.read_text()[-4000:]}")


async def test_a_worker_killed_mid_delivery_loses_and_duplicates_nothing(
        postgres_url: str, redis_url: str, slow_smtp: tuple[str, TrackingInbox], tmp_path: Path) -> None:
    smtp_url, inbox = slow_smtp
    env = _env(postgres_url, redis_url, smtp_url, tmp_path)
    settings = Settings.from_env(env)
    configure(DeliveryConfig.from_settings(settings))
    engine = create_engine(postgres_url, pooled=False)
    producer = SaqJobQueue(settings)
    log = tmp_path / "worker.log"
    first = _worker(env, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            for index in range(N):
                await DeliveryService(db).schedule(
                    channel="email", target=f"user{index}@example.com", dedup_key=f"kill:{index}:email",
                    message=DeliveryMessage(subject=f"Message {index}", text="Exactly once, please."))
            await db.commit()
        await producer.start()
        await kick(producer)

        async def mid_delivery() -> bool:
            # A slow message is being answered and no acknowledgement went out just now: the worker holds
            # claimed rows, and none is between the server's "250" and its "sent" mark.
            return inbox.in_data > 0 and time.monotonic() - inbox.last_accept > 0.3

        await _until(mid_delivery, "a delivery in progress", log)
        first.send_signal(signal.SIGKILL)
        first.wait()
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            sending = await db.scalar(select(func.count()).where(Delivery.status == "sending"))
        assert sending, "the killed worker held no claimed delivery"
        second = _worker(env, log)

        async def all_sent() -> bool:
            async with async_sessionmaker(engine, expire_on_commit=False)() as db:
                return await db.scalar(select(func.count()).where(Delivery.status == "sent")) == N

        await _until(all_sent, "every delivery sent", log)
        received = sorted(message["To"] for message in inbox.messages)
        assert received == sorted(f"user{index}@example.com" for index in range(N))  # none lost, none twice
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            retried = await db.scalar(select(func.count()).where(Delivery.attempts > 1))
        assert retried >= sending  # the rows the dead worker held were claimed again
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        await producer.stop()
        await engine.dispose()
        configure(None)


def test_sigterm_stops_a_worker_cleanly(postgres_url: str, redis_url: str, tmp_path: Path) -> None:
    env = _env(postgres_url, redis_url, "smtp://127.0.0.1:9", tmp_path)
    log = tmp_path / "worker.log"
    worker = _worker(env, log)
    try:
        for _ in range(300):
            if "worker ready" in log.read_text():
                break
            threading.Event().wait(0.1)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=120) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_worker_without_redis_explains_embedded_mode(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "BR_REDIS_URL"}
    result = subprocess.run([sys.executable, "-m", "app", "worker"], cwd=ROOT, capture_output=True, text=True,
                            env={**env, "BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": SECRET}, check=False)
    assert result.returncode == 2
    assert "BR_REDIS_URL is not set" in result.stderr and "embedded mode runs jobs in the app process" in result.stderr
    assert "Traceback" not in result.stderr
