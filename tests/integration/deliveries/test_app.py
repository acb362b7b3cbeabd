"""Through the app: embedded mode runs delivery jobs in-process (kicked, or found by the sweep), drains them on
shutdown; the jobs admin pages are for GlobalAdmin only (SAQ's own UI with Redis)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import AccountService, SessionService
from app.domain.deliveries.services import DeliveryMessage, DeliveryService, configure, kick
from app.domain.mail.services import MailService
from app.server import jobs
from app.server.app import create_app
from app.server.auth import SESSION_COOKIE
from app.server.settings import Settings
from tests.conftest import unavailable
from tests.integration.conftest import PASSWORD, Client, Inbox
from tests.integration.deliveries.conftest import SECRET

HX = {"HX-Request": "true"}
REDIS_URL = os.environ.get("BR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _settings(database_url: str, tmp_path: Path, **extra: str) -> Settings:
    return Settings.from_env({"BR_DATABASE_URL": database_url, "BR_DATA_DIR": str(tmp_path),
                              "BR_SECRET_KEY": SECRET, "BR_DELIVERY_SWEEP_SECONDS": "1", **extra})


async def _until(check: object, what: str) -> None:
    """Wait for ``check()`` to hold; the generous limit only stops a broken run, it measures nothing."""
    for _ in range(600):
        if check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


@pytest.fixture(autouse=True)
def _reset() -> object:
    yield None
    configure(None)


async def test_embedded_mode_sends_kicked_and_swept_deliveries_in_process(
        db: AsyncSession, database_url: str, tmp_path: Path, smtp: tuple[str, Inbox]) -> None:
    settings = _settings(database_url, tmp_path, BR_SMTP_URL=smtp[0])
    async with AsyncTestClient(app=create_app(settings)):
        queue = jobs.current()
        assert queue is not None
        service = DeliveryService(db)
        for index in range(5):
            await service.schedule(channel="email", target=f"u{index}@example.com", dedup_key=f"app:{index}",
                                   message=DeliveryMessage(subject=f"Hello {index}", text="Hi"))
        await db.commit()
        await kick()
        await _until(lambda: len(smtp[1].messages) == 5, "five kicked emails")
        # No kick: a crash between commit and kick is what the periodic sweep is for.
        await service.schedule(channel="email", target="late@example.com", dedup_key="app:late",
                               message=DeliveryMessage(subject="Late", text="Hi"))
        await db.commit()
        await _until(lambda: len(smtp[1].to("late@example.com")) == 1, "the swept email")
        stats = await queue.stats()
        assert stats["failed"] == 0 and stats["complete"] >= 2
    assert jobs.current() is None  # stopped with the app
    assert sorted(message["To"] for message in smtp[1].messages) == sorted(
        [f"u{index}@example.com" for index in range(5)] + ["late@example.com"])


async def test_kick_without_a_running_queue_does_nothing(db: AsyncSession) -> None:
    assert jobs.current() is None
    await kick()


@pytest.fixture
async def people(db: AsyncSession) -> AsyncSession:
    accounts = AccountService(db, MailService(db))
    await accounts.create_user("gina@example.com", PASSWORD, "Gina", verified=True, global_role="GlobalAdmin")
    await accounts.create_user("tina@example.com", PASSWORD, "Tina", verified=True, global_role="TenantAdmin")
    await accounts.create_user("alice@example.com", PASSWORD, "Alice", verified=True)
    await db.commit()
    return db


async def _sign_in(client: Client, db: AsyncSession, email: str) -> None:
    _, token = await SessionService(db).login(email, PASSWORD)
    client.cookies.set(SESSION_COOKIE, token)


async def test_jobs_page_full_fragment_and_who_may_see_it(people: AsyncSession, client: Client) -> None:
    anonymous = await client.get("/admin/jobs", follow_redirects=False)
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["location"]
    for email in ("alice@example.com", "tina@example.com"):
        await _sign_in(client, people, email)
        assert (await client.get("/admin/jobs")).status_code == 403
        assert (await client.get("/admin/jobs", headers=HX)).status_code == 403
        assert (await client.get("/admin/jobs/saq/")).status_code == 403
    await _sign_in(client, people, "gina@example.com")
    full = await client.get("/admin/jobs")
    assert full.status_code == 200 and "<h1>Background jobs</h1>" in full.text and "<main" in full.text
    assert "Embedded mode" in full.text and full.headers["vary"] == "HX-Request"
    fragment = await client.get("/admin/jobs", headers=HX)
    assert fragment.status_code == 200 and 'id="jobs"' in fragment.text and "<main" not in fragment.text
    assert (await client.get("/admin/jobs/saq/")).status_code == 404  # no SAQ without Redis


@pytest.fixture
async def redis_url() -> AsyncIterator[str]:
    client = aioredis.from_url(REDIS_URL)
    try:
        await client.ping()
    except (OSError, aioredis.ConnectionError) as exc:
        unavailable(f"Redis at {REDIS_URL} is unreachable: {exc}")
    finally:
        await client.aclose()
    yield REDIS_URL


async def test_saq_dashboard_is_mounted_for_global_admins_with_redis(
        people: AsyncSession, database_url: str, tmp_path: Path, redis_url: str) -> None:
    settings = _settings(database_url, tmp_path, BR_REDIS_URL=redis_url)
    async with AsyncTestClient(app=create_app(settings)) as client:
        await _sign_in(client, people, "alice@example.com")
        assert (await client.get("/admin/jobs/saq/api/queues")).status_code == 403
        await _sign_in(client, people, "gina@example.com")
        page = await client.get("/admin/jobs")
        assert page.status_code == 200 and 'href="/admin/jobs/saq/"' in page.text
        ui = await client.get("/admin/jobs/saq/")
        assert ui.status_code == 200 and "/admin/jobs/saq/static/" in ui.text
        api = await client.get("/admin/jobs/saq/api/queues")
        assert api.status_code == 200 and api.json()["queues"][0]["name"] == "buildrunner"
        # Retry and abort post without a CSRF token: refused, the dashboard is read-only.
        assert (await client.post("/admin/jobs/saq/api/queues/buildrunner/jobs/x/abort")).status_code == 403
