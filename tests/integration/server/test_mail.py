"""Mail: the dev mailbox in embedded mode, and real delivery to an SMTP server (aiosmtpd)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import AccountService
from app.domain.mail.services import MailService


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server() -> Iterator[tuple[str, Inbox]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield f"smtp://127.0.0.1:{port}", inbox
    controller.stop()


async def test_embedded_mode_keeps_mail_in_the_dev_mailbox(db: AsyncSession) -> None:
    mail = MailService(db)
    await mail.send("ann@example.com", "Hello", "Body")
    await db.commit()
    [kept] = await mail.mailbox("ANN@example.com")
    assert (kept.subject, kept.body, kept.sent_at) == ("Hello", "Body", None)


async def test_sign_up_mail_is_delivered_over_smtp(db: AsyncSession, smtp_server: tuple[str, Inbox]) -> None:
    url, inbox = smtp_server
    await AccountService(db, MailService(db, smtp_url=url), base_url="https://br.example").sign_up(
        "ann@example.com", "a long password")
    [message] = inbox.messages
    assert message["To"] == "ann@example.com" and "Confirm" in message["Subject"]
    assert "https://br.example/verify?token=" in message.get_payload()
    [kept] = await MailService(db).mailbox("ann@example.com")
    assert kept.sent_at is not None


async def test_smtp_failure_is_logged_not_raised(db: AsyncSession, caplog: pytest.LogCaptureFixture) -> None:
    mail = MailService(db, smtp_url=f"smtp://127.0.0.1:{_free_port()}")
    sent = await mail.send("ann@example.com", "Hello", "Body")
    assert sent.sent_at is None
    assert "SMTP delivery to ann@example.com failed" in caplog.text
