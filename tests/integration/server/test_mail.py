"""Mail: the dev mailbox in embedded mode, and real delivery to an SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import AccountService
from app.domain.mail.services import MailService
from tests.integration.conftest import Inbox, free_port


async def test_embedded_mode_keeps_mail_in_the_dev_mailbox(db: AsyncSession) -> None:
    mail = MailService(db)
    await mail.send("ann@example.com", "Hello", "Body")
    await db.commit()
    [kept] = await mail.mailbox("ANN@example.com")
    assert (kept.subject, kept.body, kept.sent_at) == ("Hello", "Body", None)


async def test_sign_up_mail_is_delivered_over_smtp(db: AsyncSession, smtp: tuple[str, Inbox]) -> None:
    url, inbox = smtp
    await AccountService(db, MailService(db, smtp_url=url), base_url="https://br.example").sign_up(
        "ann@example.com", "a long password")
    [message] = inbox.messages
    assert message["To"] == "ann@example.com" and "Confirm" in message["Subject"]
    assert "https://br.example/verify?token=" in message.get_payload()
    [kept] = await MailService(db).mailbox("ann@example.com")
    assert kept.sent_at is not None


async def test_smtp_failure_is_logged_not_raised(db: AsyncSession, caplog: pytest.LogCaptureFixture) -> None:
    mail = MailService(db, smtp_url=f"smtp://127.0.0.1:{free_port()}")
    sent = await mail.send("ann@example.com", "Hello", "Body")
    assert sent.sent_at is None
    assert "SMTP delivery to ann@example.com failed" in caplog.text
