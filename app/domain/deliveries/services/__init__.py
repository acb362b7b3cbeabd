"""Deliveries: schedule a message for a channel in your transaction, then kick the job queue after commit.

Usage from another service (no Litestar needed)::

    from app.domain.deliveries.services import DeliveryMessage, DeliveryService, kick

    inserted = await DeliveryService(db).schedule(
        channel="email", target="ann@example.com", dedup_key=f"notification:{notification.id}:email",
        message=DeliveryMessage(subject="Bob mentioned you", text="...", url="https://.../WEB/S1"),
        organization_id=org.id,
    )
    await db.commit()
    await kick()          # the process's queue: app.server.jobs.current()

``kick()`` uses :func:`app.server.jobs.current`, the queue the app installs on startup (embedded: in-process;
``BR_REDIS_URL``: SAQ) and ``br-server worker`` installs in the worker. Where no queue runs (a CLI command,
a test without the app) it does nothing, and the periodic sweep of the next running worker or app sends the
delivery (``BR_DELIVERY_SWEEP_SECONDS``); pass a queue explicitly to use another.

Webhook URLs are secrets: they are stored encrypted with a key derived from ``BR_SECRET_KEY``.
"""

from __future__ import annotations

import logging
from uuid import uuid4

from app.domain.deliveries.schemas import CHANNELS, PRIORITIES, STATUSES, DeliveryMessage
from app.domain.deliveries.services._config import DeliveryConfig, configure, current_config
from app.domain.deliveries.services._senders import SendError, discord_payload, message_id, slack_payload
from app.domain.deliveries.services._service import Attempt, DeliveryService, backoff
from app.server.jobs import SWEEP_TASK, JobQueue, current

__all__ = [
    "CHANNELS",
    "PRIORITIES",
    "STATUSES",
    "Attempt",
    "DeliveryConfig",
    "DeliveryMessage",
    "DeliveryService",
    "SendError",
    "backoff",
    "configure",
    "current_config",
    "discord_payload",
    "kick",
    "message_id",
    "slack_payload",
]

logger = logging.getLogger("buildrunner.deliveries")


async def kick(queue: JobQueue | None = None) -> None:
    """Enqueue the due deliveries now (call after the commit that scheduled them).

    Args:
        queue: the queue to use; default :func:`app.server.jobs.current` (nothing happens when there is none:
            the next sweep picks the deliveries up).
    """
    queue = queue or current()
    if queue is None:
        logger.debug("no job queue in this process: the next sweep sends the new deliveries")
        return
    # A key per kick: a sweep already running may have read the table before the caller committed.
    await queue.enqueue(SWEEP_TASK, key=f"deliveries.kick.{uuid4().hex}")
