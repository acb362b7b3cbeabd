"""Delivery jobs: ``deliveries.deliver`` sends one delivery, ``deliveries.sweep`` enqueues every due one.

The same functions run on SAQ workers (production) and in the app process (embedded mode).
"""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

from app.domain.deliveries.services import DeliveryService
from app.server.jobs import runtime

__all__ = ["deliver", "job_key", "sweep"]

logger = logging.getLogger("buildrunner.deliveries")


def job_key(delivery_id: UUID, attempts: int) -> str:
    """The job key of a delivery's next attempt: one queued job per attempt, however often it is enqueued."""
    return f"delivery:{delivery_id}:{attempts}"


async def deliver(ctx: dict[str, Any], *, delivery_id: str) -> str:
    """Claim, send and mark one delivery; a retry is enqueued for the time the backoff chose."""
    context = runtime(ctx)
    async with context.sessions() as db:
        attempt = await DeliveryService(db).attempt(UUID(delivery_id))
    if attempt.outcome == "retry" and attempt.retry_at is not None:
        await context.queue.enqueue("deliveries.deliver", key=job_key(UUID(delivery_id), attempt.attempts),
                                    at=attempt.retry_at, delivery_id=delivery_id)
    return attempt.outcome


async def sweep(ctx: dict[str, Any]) -> int:
    """Enqueue every delivery that is due, or was claimed by a worker that died; return how many.

    Covers a crash between the caller's commit and its kick, a lost scheduled retry and a killed worker.
    """
    context = runtime(ctx)
    async with context.sessions() as db:
        due = await DeliveryService(db).due()
    for delivery_id, attempts in due:
        await context.queue.enqueue("deliveries.deliver", key=job_key(delivery_id, attempts),
                                    delivery_id=str(delivery_id))
    if due:
        logger.info("sweep enqueued %d deliveries", len(due))
    return len(due)
