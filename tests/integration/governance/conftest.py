"""The governance tests' world: acme's WEB project with the demo plan, cody as Contributor and gus as a second
TechLead, helpers to write a policy directly, and a real SMTP server (aiosmtpd) for the notification tests."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import OutboxMail
from app.domain.accounts.schemas import Principal
from app.domain.governance.services import PolicyService
from app.domain.orgs.services import OrgService
from app.domain.projects.services import PlanService, ProjectService
from tests.integration.conftest import SYSTEM, World, make_user, plan_bytes

__all__ = ["Gov", "Inbox", "mailbox", "set_policy"]


@dataclass
class Gov:
    """World (alice PM, bob TechLead, carol QA, dan Viewer, eve of globex) plus cody (Contributor) and gus (a
    second TechLead); WEB has the demo plan at revision 1 and runs under the default policy."""

    world: World
    cody: Principal
    gus: Principal

    def __getattr__(self, name: str) -> Principal:
        person: Principal = getattr(self.world, name)
        return person


@pytest.fixture
async def gov(db: AsyncSession, world: World) -> Gov:
    """The governance world."""
    cody, gus = await make_user(db, "cody@example.com", "Cody"), await make_user(db, "gus@example.com", "Gus")
    for email in ("cody@example.com", "gus@example.com"):
        await OrgService(db).add_member(world.alice, "acme", email, "member")
    await ProjectService(db).set_member(world.alice, "WEB", "cody@example.com", "Contributor")
    await ProjectService(db).set_member(world.alice, "WEB", "gus@example.com", "TechLead")
    await PlanService(db).save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    return Gov(world, cody, gus)


async def set_policy(db: AsyncSession, yaml: str, key: str = "WEB") -> None:
    """Make ``yaml`` the project's policy as the operator (who is not governed), whatever the current policy."""
    change = await PolicyService(db).upload(SYSTEM, key, yaml.encode())
    assert change.approval is None


async def mailbox(db: AsyncSession, recipient: str | None = None) -> list[OutboxMail]:
    """Mail recorded so far (oldest first), optionally for one recipient."""
    await db.rollback()
    query = select(OutboxMail).order_by(OutboxMail.created_at, OutboxMail.id)
    if recipient is not None:
        query = query.where(OutboxMail.recipient == recipient)
    return list(await db.scalars(query))


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server on a free local port: its URL and what it received."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()
