"""Production: SAQ queues on Redis. The app enqueues; ``br-server worker`` processes run the tasks.

Every job gets its timeout, retries (exponential backoff with jitter) and heartbeat set here, never SAQ's defaults
(10 s, one attempt, no heartbeat). A task is wrapped so that it beats while it runs: SAQ sweeps a job whose worker
stopped beating (killed) as stuck, and retries it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from datetime import datetime
from typing import Any

from saq import CronJob, Queue, Worker
from saq.types import Context, PartialTimersDict

from app.server.jobs._base import JobQueue, Task
from app.server.settings import Settings

__all__ = ["QUEUE_NAME", "SaqJobQueue", "build_worker", "sweep_cron"]

QUEUE_NAME = "buildrunner"


class SaqJobQueue(JobQueue):
    """Enqueues on a SAQ :class:`~saq.Queue` with the job settings of ``settings``."""

    def __init__(self, settings: Settings, queue: Queue | None = None) -> None:
        """Use ``queue`` (a worker's own) or a new one on ``BR_REDIS_URL``."""
        if queue is None and not settings.redis_url:
            raise ValueError("SAQ needs BR_REDIS_URL")
        self.queue = queue or Queue.from_url(settings.redis_url or "", name=QUEUE_NAME)
        self._owned = queue is None
        self.job_options: dict[str, Any] = {
            "timeout": settings.job_timeout_seconds,
            "retries": settings.job_retries,
            "retry_delay": 1.0,
            "retry_backoff": 60.0,  # doubling from 1 s with jitter, at most a minute apart
            "heartbeat": settings.job_heartbeat_seconds,
            "ttl": 3600,  # a finished job stays visible in the dashboard for an hour
        }

    async def enqueue(self, function: str, *, key: str, at: datetime | None = None, **kwargs: Any) -> None:
        """Enqueue on Redis; SAQ ignores a key that is already queued or running."""
        scheduled = int(at.timestamp()) if at is not None else 0
        await self.queue.enqueue(function, key=key, scheduled=scheduled, **self.job_options, **kwargs)

    async def start(self) -> None:
        """Connect to Redis (the worker connects its own queue)."""
        if self._owned:
            await self.queue.connect()

    async def stop(self) -> None:
        """Disconnect."""
        if self._owned:
            await self.queue.disconnect()

    async def stats(self) -> dict[str, Any]:
        """SAQ's queue info: workers, counts and the latest jobs."""
        return dict(await self.queue.info(jobs=True))


def sweep_cron(seconds: int) -> str:
    """A cron expression for every ``seconds`` seconds (croniter's sixth field is seconds), else whole minutes."""
    if seconds < 60:
        return f"* * * * * */{seconds}"
    return f"*/{max(1, seconds // 60)} * * * *"


def _with_heartbeat(name: str, function: Task, interval: float) -> Task:
    @functools.wraps(function)
    async def beating(ctx: dict[str, Any], **kwargs: Any) -> Any:
        job = ctx.get("job")

        async def beat() -> None:
            while job is not None:
                await asyncio.sleep(interval)
                await job.update()

        beater = asyncio.create_task(beat())
        try:
            return await function(ctx, **kwargs)
        finally:
            beater.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beater

    beating.__qualname__ = name  # SAQ registers functions (and cron jobs) by qualified name
    return beating


def build_worker(settings: Settings, queue: Queue, functions: dict[str, Task], *, sweep_task: str,
                 startup: Any, shutdown: Any) -> Worker[Context]:
    """A SAQ worker for ``functions``, with the periodic delivery sweep as a cron job (one run per tick).

    SIGINT and SIGTERM stop it gracefully: SAQ stops dequeuing and gives running jobs their timeout to finish.
    """
    interval = max(1.0, settings.job_heartbeat_seconds / 3)
    wrapped = {name: _with_heartbeat(name, function, interval) for name, function in functions.items()}
    cron = CronJob(wrapped[sweep_task], cron=sweep_cron(settings.delivery_sweep_seconds), unique=True,
                   timeout=settings.job_timeout_seconds, heartbeat=settings.job_heartbeat_seconds, retries=1)
    return Worker(
        queue, functions=list(wrapped.values()), concurrency=settings.worker_concurrency, cron_jobs=[cron],
        startup=startup, shutdown=shutdown, shutdown_grace_period_s=settings.job_timeout_seconds,
        # SAQ's sweep retries stuck jobs (dead worker: no heartbeat); check as often as a heartbeat is due. Every
        # key is spelled out (SAQ's defaults otherwise): its PartialTimersDict type inherits required keys.
        timers=PartialTimersDict(schedule=1, worker_info=10, abort=1, sweep=max(1, settings.job_heartbeat_seconds)),
    )
