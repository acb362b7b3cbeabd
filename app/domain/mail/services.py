"""Sending mail: every message is recorded (the dev mailbox); SMTP delivers it when ``BR_SMTP_URL`` is set."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import aiosmtplib
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import OutboxMail
from app.lib import clock

__all__ = ["MailService", "SmtpTarget"]

logger = logging.getLogger("buildrunner.mail")
SENDER = "BuildRunner <no-reply@buildrunner.local>"


class SmtpTarget:
    """An SMTP server parsed from ``smtp://user:pass@host:port`` (``smtps://`` for implicit TLS)."""

    def __init__(self, url: str) -> None:
        """Parse the URL; the port defaults to 25 (465 for smtps)."""
        parts = urlsplit(url)
        self.tls = parts.scheme == "smtps"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.tls else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None


class MailService:
    """Records mail in ``outbox_mail`` and, with an SMTP target, delivers it."""

    def __init__(self, db: AsyncSession, smtp_url: str | None = None, sender: str = SENDER) -> None:
        """Bind to a database session; ``smtp_url`` ``None`` means embedded mode (dev mailbox + log)."""
        self.db = db
        self.smtp = SmtpTarget(smtp_url) if smtp_url else None
        self.sender = sender

    async def send(self, recipient: str, subject: str, body: str) -> OutboxMail:
        """Record and (with SMTP) deliver one plain-text message; the caller's transaction commits the record.

        A delivery failure is logged, not raised: the record stays unsent so the person can ask again.
        """
        mail = OutboxMail(recipient=recipient, subject=subject, body=body)
        self.db.add(mail)
        if self.smtp is None:
            logger.info("dev mailbox: to=%s subject=%r\n%s", recipient, subject, body)
            return mail
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message, hostname=self.smtp.host, port=self.smtp.port, username=self.smtp.username,
                password=self.smtp.password, use_tls=self.smtp.tls, timeout=10,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            logger.warning("SMTP delivery to %s failed: %s", recipient, exc)
        else:
            mail.sent_at = clock.now()
        return mail

    async def mailbox(self, recipient: str | None = None, limit: int = 50) -> list[OutboxMail]:
        """The newest recorded messages, optionally for one recipient (the dev mailbox page)."""
        query = select(OutboxMail).order_by(OutboxMail.created_at.desc(), OutboxMail.id.desc()).limit(limit)
        if recipient is not None:
            query = query.where(OutboxMail.recipient == recipient.strip().lower())
        return list((await self.db.scalars(query)).all())
