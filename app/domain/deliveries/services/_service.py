"""Scheduling deliveries in the caller's transaction, and the claim → send → mark cycle of one delivery."""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import msgspec
import uuid_utils.compat as uuid_utils
from sqlalchemy import and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Delivery
from app.domain.deliveries.schemas import CHANNELS, PRIORITIES, DeliveryMessage
from app.domain.deliveries.services._config import current_config
from app.domain.deliveries.services._senders import SendError, send
from app.lib import clock
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["Attempt", "DeliveryService"]

logger = logging.getLogger("buildrunner.deliveries")


@dataclass(frozen=True, slots=True)
class Attempt:
    """What one attempt did: ``outcome`` is sent, retry, failed or skipped (not claimable: done or taken)."""

    outcome: str
    attempts: int = 0
    retry_at: datetime | None = None


class DeliveryService:
    """Deliveries: scheduled by any service inside its transaction, sent by jobs."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session; :meth:`schedule` never commits it."""
        self.db = db

    async def schedule(self, *, channel: str, target: str, message: DeliveryMessage, dedup_key: str,
                       organization_id: UUID | None = None) -> bool:
        """Insert a pending delivery in the caller's transaction (the caller commits).

        After the commit, ``await kick()`` asks the job queue to send it now; without a kick the next sweep does.

        Returns:
            False when ``dedup_key`` already exists (nothing inserted), True otherwise.

        Raises:
            ValidationFailed: an unknown channel or priority, an empty key, or a target that is no email address
                (email) or no http(s) URL (slack, discord).
        """
        _validate(channel, target, message, dedup_key)
        config = current_config()
        stored = target.strip() if channel == "email" else config.seal(target.strip())
        now = clock.now()
        values: dict[str, Any] = {
            "id": uuid_utils.uuid7(), "dedup_key": dedup_key, "organization_id": organization_id,
            "channel": channel, "target": stored, "payload": msgspec.to_builtins(message), "status": "pending",
            "attempts": 0, "next_attempt_at": now, "created_at": now, "updated_at": now,
        }
        insert = pg_insert if self.db.get_bind().dialect.name == "postgresql" else sqlite_insert
        # ON CONFLICT DO NOTHING: two writers racing on one key both succeed, and only one row exists.
        result = await self.db.execute(insert(Delivery).values(values).on_conflict_do_nothing(
            index_elements=["dedup_key"]))
        return bool(getattr(result, "rowcount", 0) == 1)

    async def due(self, limit: int = 500) -> list[tuple[UUID, int]]:
        """Deliveries to enqueue now, with their attempt count: pending and due, or claimed past the lease."""
        now = clock.now()
        rows = await self.db.execute(
            select(Delivery.id, Delivery.attempts).where(self._claimable(now))
            .order_by(Delivery.next_attempt_at).limit(limit))
        return [(row[0], row[1]) for row in rows]

    async def get(self, delivery_id: UUID) -> Delivery | None:
        """One delivery by id (for tests and the admin page)."""
        return await self.db.get(Delivery, delivery_id)

    async def attempt(self, delivery_id: UUID) -> Attempt:
        """Claim the delivery, send it, record the outcome; commits after the claim and after the outcome.

        At most one worker holds a claim at a time: the claim is one conditional UPDATE, and every later write
        is fenced on the claim's time, so a worker that lost its lease changes nothing.
        """
        config = current_config()
        claimed_at = clock.now()
        claimed = await self.db.execute(
            update(Delivery).where(Delivery.id == delivery_id, self._claimable(claimed_at))
            .values(status="sending", claimed_at=claimed_at, attempts=Delivery.attempts + 1, updated_at=claimed_at)
            .execution_options(synchronize_session=False))
        await self.db.commit()
        if getattr(claimed, "rowcount", 0) != 1:
            return Attempt("skipped")
        row = (await self.db.execute(select(Delivery).where(Delivery.id == delivery_id)
                                     .execution_options(populate_existing=True))).scalar_one()
        message = msgspec.convert(row.payload, DeliveryMessage)
        try:
            await send(self.db, config, channel=row.channel, target=config.unseal(row.target), message=message,
                       dedup_key=row.dedup_key)
        except (SendError, ValueError) as exc:
            return await self._failed(row, claimed_at, exc)
        await self._finish(row.id, claimed_at, status="sent", sent_at=clock.now(), last_error=None)
        return Attempt("sent", row.attempts)

    async def _failed(self, row: Delivery, claimed_at: datetime, exc: Exception) -> Attempt:
        config = current_config()
        error = str(exc)[:2000]
        permanent = isinstance(exc, ValueError) or (isinstance(exc, SendError) and exc.permanent)
        if permanent or row.attempts >= config.max_attempts:
            logger.warning("delivery %s failed for good after %d attempts: %s", row.id, row.attempts, error)
            await self._finish(row.id, claimed_at, status="failed", last_error=error)
            return Attempt("failed", row.attempts)
        retry_after = exc.retry_after if isinstance(exc, SendError) else None
        retry_at = clock.now() + timedelta(seconds=retry_after if retry_after is not None else backoff(
            row.attempts, config.retry_base_seconds, config.retry_max_seconds))
        logger.info("delivery %s attempt %d failed, retrying at %s: %s", row.id, row.attempts, retry_at, error)
        await self._finish(row.id, claimed_at, status="pending", next_attempt_at=retry_at, claimed_at=None,
                           last_error=error)
        return Attempt("retry", row.attempts, retry_at)

    async def _finish(self, delivery_id: UUID, claim: datetime, **values: Any) -> None:
        await self.db.execute(
            update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "sending",
                                   Delivery.claimed_at == claim)
            .values(updated_at=clock.now(), **values).execution_options(synchronize_session=False))
        await self.db.commit()

    @staticmethod
    def _claimable(now: datetime) -> Any:
        lease = timedelta(seconds=current_config().lease_seconds)
        return or_(and_(Delivery.status == "pending", Delivery.next_attempt_at <= now),
                   and_(Delivery.status == "sending", Delivery.claimed_at < now - lease))


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before attempt ``attempts + 1``: ``base`` doubled per attempt, capped, with ±50 % jitter.

    Jitter spreads the retries of many deliveries that failed together (an SMTP outage) over time.
    """
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return float(delay * random.uniform(0.5, 1.5))  # noqa: S311  (spreading load, not a secret)


def _validate(channel: str, target: str, message: DeliveryMessage, dedup_key: str) -> None:
    if channel not in CHANNELS:
        raise ValidationFailed("channel", _("channel must be one of %(names)s") % {"names": ", ".join(CHANNELS)})
    if message.priority not in PRIORITIES:
        raise ValidationFailed("priority", _("priority must be one of %(names)s") % {"names": ", ".join(PRIORITIES)})
    if not dedup_key.strip() or len(dedup_key) > 400:
        raise ValidationFailed("dedup_key", _("the deduplication key must have 1 to 400 characters"))
    value = target.strip()
    if channel == "email":
        if "@" not in value or len(value) > 320 or any(ch.isspace() for ch in value):
            raise ValidationFailed("target", _("the email target must be an email address like ann@example.com"))
        return
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationFailed("target", _("the %(channel)s target must be a webhook URL starting with https://")
                               % {"channel": channel})
