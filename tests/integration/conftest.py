"""Fixtures for the server's integration tests: a database session and a small populated world."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.config import create_engine
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import AccountService, principal_for
from app.domain.mail.services import MailService
from app.domain.orgs.services import OrgService
from app.domain.projects.services import ProjectService
from app.lib import crypto
from app.server.app import create_app
from app.server.demo_plan import demo_plan
from app.server.settings import Settings

PASSWORD = "correct horse battery"
Client = AsyncTestClient
SYSTEM = Principal(user_id=UUID(int=0), email="operator@localhost", via="system")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> None:
    """argon2id with the smallest sane cost: the suite hashes hundreds of passwords."""
    crypto.configure_password_hasher(time_cost=1, memory_cost=1024)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncSession]:
    """An async session on a fresh migrated database (SQLite and PostgreSQL)."""
    engine = create_engine(database_url, pooled=False)
    maker = async_sessionmaker(engine, expire_on_commit=False)
    async with maker() as session:
        yield session
    await engine.dispose()


@dataclass
class World:
    """Organization ``acme`` with project WEB (alice PM, bob TechLead, carol QA, dan Viewer) and ``globex`` (eve)."""

    alice: Principal
    bob: Principal
    carol: Principal
    dan: Principal
    eve: Principal


async def make_user(db: AsyncSession, email: str, name: str = "") -> Principal:
    """Create a verified user and return their session principal."""
    user = await AccountService(db, MailService(db)).create_user(email, PASSWORD, name, verified=True)
    await db.commit()
    return principal_for(user)


@pytest.fixture
async def world(db: AsyncSession) -> World:
    """Two organizations, one project with every role."""
    people = {name: await make_user(db, f"{name}@example.com", name.title())
              for name in ("alice", "bob", "carol", "dan", "eve")}
    orgs = OrgService(db)
    await orgs.create(people["alice"], "acme", "Acme")
    for name in ("bob", "carol", "dan"):
        await orgs.add_member(people["alice"], "acme", f"{name}@example.com", "member")
    await orgs.create(people["eve"], "globex", "Globex")
    projects = ProjectService(db)
    await projects.create(people["alice"], "acme", "web", "Web shop")
    for name, role in (("bob", "TechLead"), ("carol", "QA"), ("dan", "Viewer")):
        await projects.set_member(people["alice"], "WEB", f"{name}@example.com", role)
    return World(**people)


def plan_bytes(**extra: object) -> bytes:
    """The demo plan, with extra top-level fields (to prove unknown fields survive)."""
    raw = json.loads(demo_plan())
    raw.update(extra)
    return json.dumps(raw, indent=2).encode()


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for a test app: a small body limit so that size checks are cheap to test."""
    return Settings.from_env({
        "BR_DATABASE_URL": database_url, "BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": "test-secret-" + "x" * 32,
        "BR_MAX_BODY_BYTES": "200000",
    })


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    """A test client of a fresh app (pass ``follow_redirects=False`` to look at a 303 itself)."""
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message; ``slow`` recipients get their ``250`` only after ``delay`` s.

    A message counts as received when the server answers ``250`` to a client still connected, as a real MTA
    commits a message when it acknowledges it: a client killed before the answer has delivered nothing.
    """

    def __init__(self, slow: set[str] | None = None, delay: float = 0.0) -> None:
        self.messages: list[Message] = []
        self.slow = slow or set()
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.slow & set(envelope.rcpt_tos):
            await asyncio.sleep(self.delay)
            transport = server.transport
            if transport is None or transport.is_closing():
                return "421 client gone"
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def to(self, recipient: str) -> list[Message]:
        """The messages addressed to ``recipient``."""
        with self.lock:
            return [message for message in self.messages if message["To"] == recipient]


@pytest.fixture
def smtp() -> Iterator[tuple[str, Inbox]]:
    """A running SMTP server and its inbox."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


def problem(response: Any, status: int) -> dict[str, Any]:
    """The ``application/problem+json`` body of ``response``, which must have ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body
