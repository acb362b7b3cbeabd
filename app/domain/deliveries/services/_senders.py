"""The channels: email over SMTP (or the dev mailbox), Slack and Discord incoming webhooks, in their real formats."""

from __future__ import annotations

import hashlib
import logging
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import aiosmtplib
import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import OutboxMail
from app.domain.deliveries.schemas import DeliveryMessage
from app.domain.deliveries.services._config import DeliveryConfig
from app.domain.mail.services import SENDER, SmtpTarget
from app.lib import clock

__all__ = ["SendError", "discord_payload", "message_id", "send", "slack_payload"]

logger = logging.getLogger("buildrunner.deliveries")
_PRIORITY_MARK = {"low": "", "normal": "", "high": "[high] ", "urgent": "[URGENT] "}
# Discord embed colours by priority (grey, blurple, orange, red).
_DISCORD_COLOUR = {"low": 0x95A5A6, "normal": 0x5865F2, "high": 0xE67E22, "urgent": 0xE74C3C}


class SendError(Exception):
    """A channel refused or could not take the message; ``permanent`` ones are never retried."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None) -> None:
        """Describe the failure; ``retry_after`` is the wait the channel asked for (Discord's 429)."""
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


def message_id(dedup_key: str) -> str:
    """The ``Message-ID`` of a delivery's email: the same for every attempt, so a receiver can drop a repeat."""
    return f"<delivery.{hashlib.sha256(dedup_key.encode('utf-8')).hexdigest()[:32]}@buildrunner.local>"


async def send(db: AsyncSession, config: DeliveryConfig, *, channel: str, target: str, message: DeliveryMessage,
               dedup_key: str) -> None:
    """Send ``message`` to ``target`` on ``channel``.

    Raises:
        SendError: the channel did not accept it.
    """
    if channel == "email":
        await _send_email(db, config, target, message, dedup_key)
        return
    payload = slack_payload(message) if channel == "slack" else discord_payload(message)
    await _post_webhook(config, target, payload)


async def _send_email(db: AsyncSession, config: DeliveryConfig, recipient: str, message: DeliveryMessage,
                      dedup_key: str) -> None:
    body = message.text + (f"\n\n{message.url}\n" if message.url else "\n")
    subject = _PRIORITY_MARK.get(message.priority, "") + message.subject
    record = OutboxMail(recipient=recipient, subject=subject, body=body)
    if config.smtp_url is None:
        # Embedded mode: the dev mailbox is the delivery (committed with the "sent" mark).
        logger.info("dev mailbox: to=%s subject=%r", recipient, subject)
        db.add(record)
        return
    smtp = SmtpTarget(config.smtp_url)
    email = EmailMessage()
    email["From"] = SENDER
    email["To"] = recipient
    email["Subject"] = subject
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id(dedup_key)
    if message.priority in {"high", "urgent"}:
        email["X-Priority"] = "1" if message.priority == "urgent" else "2"
    email.set_content(body)
    try:
        await aiosmtplib.send(email, hostname=smtp.host, port=smtp.port, username=smtp.username,
                              password=smtp.password, use_tls=smtp.tls, timeout=config.smtp_timeout_seconds)
    except aiosmtplib.SMTPResponseException as exc:
        # 5xx is the server's final "no" (no such mailbox...); 4xx asks to try later.
        raise SendError(f"SMTP {exc.code}: {exc.message}", permanent=500 <= exc.code < 600) from None
    except (aiosmtplib.SMTPException, OSError) as exc:
        raise SendError(f"SMTP: {exc}") from None
    record.sent_at = clock.now()
    db.add(record)


def slack_payload(message: DeliveryMessage) -> dict[str, Any]:
    """A Slack incoming-webhook body: ``text`` (the notification fallback) and Block Kit ``blocks``."""
    title = _PRIORITY_MARK.get(message.priority, "") + message.subject
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150], "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": message.text[:3000] or " "}},
    ]
    if message.url:
        blocks.append({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open in BuildRunner"}, "url": message.url},
        ]})
    fallback = f"*{title}*\n{message.text}" + (f"\n<{message.url}|Open>" if message.url else "")
    return {"text": fallback[:4000], "blocks": blocks}


def discord_payload(message: DeliveryMessage) -> dict[str, Any]:
    """A Discord webhook body: ``content`` plus one embed; mentions are disabled (no @everyone from a comment)."""
    title = _PRIORITY_MARK.get(message.priority, "") + message.subject
    embed: dict[str, Any] = {"title": title[:256], "description": message.text[:4096],
                             "color": _DISCORD_COLOUR.get(message.priority, _DISCORD_COLOUR["normal"])}
    if message.url:
        embed["url"] = message.url
    return {"content": f"**{title}**"[:2000], "embeds": [embed], "allowed_mentions": {"parse": []}}


async def _post_webhook(config: DeliveryConfig, url: str, payload: dict[str, Any]) -> None:
    try:
        async with httpx.AsyncClient(timeout=config.http_timeout_seconds, follow_redirects=False) as client:
            response = await client.post(url, json=payload)
    except httpx.HTTPError as exc:
        raise SendError(f"webhook: {type(exc).__name__}: {exc}") from None
    if response.is_success:
        return
    detail = f"webhook answered {response.status_code}: {response.text[:300]}"
    if response.status_code == 429:
        raise SendError(detail, retry_after=_retry_after(response))
    # Any other 4xx (a deleted webhook, a malformed body) will answer the same next time.
    raise SendError(detail, permanent=400 <= response.status_code < 500)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait from a 429: Discord's JSON ``retry_after`` (seconds, may be fractional), else the header."""
    try:
        body = response.json()
    except ValueError:
        body = None
    raw = body.get("retry_after") if isinstance(body, dict) else None
    raw = raw if raw is not None else response.headers.get("Retry-After")
    try:
        return max(0.0, min(3600.0, float(raw))) if raw is not None else None
    except (TypeError, ValueError):
        return None
