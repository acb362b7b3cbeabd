"""Starting and stopping the jobs of one process: the app (SAQ producer, or in-process runner) and the worker."""

from __future__ import annotations

import logging
from typing import Any

from saq import Queue
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.db.config import create_engine
from app.server.jobs._base import RUNTIME_KEY, JobContext, JobQueue, install
from app.server.jobs._embedded import InProcessQueue
from app.server.jobs._saq import QUEUE_NAME, SaqJobQueue, build_worker
from app.server.jobs._tasks import SWEEP_TASK, task_functions
from app.server.settings import Settings

__all__ = ["AppJobs", "run_worker"]

logger = logging.getLogger("buildrunner.jobs")


def _configure_tasks(settings: Settings) -> None:
    from app.domain.deliveries.services import DeliveryConfig, configure  # noqa: PLC0415  (imports this package)

    configure(DeliveryConfig.from_settings(settings))


class AppJobs:
    """The app's side: with ``BR_REDIS_URL`` it enqueues on SAQ; without, it runs the tasks in-process."""

    def __init__(self, settings: Settings) -> None:
        """Prepare, without connecting (see :meth:`on_startup`)."""
        self.settings = settings
        self.queue: JobQueue | None = None
        self._engine: AsyncEngine | None = None

    async def on_startup(self) -> None:
        """Connect (SAQ) or start the in-process runner, and install the queue as :func:`current`."""
        settings = self.settings
        _configure_tasks(settings)
        if settings.redis_url:
            self.queue = SaqJobQueue(settings)
        else:
            self._engine = create_engine(settings.database_url)
            embedded = InProcessQueue(task_functions(), timeout=settings.job_timeout_seconds,
                                      retries=settings.job_retries, sweep_task=SWEEP_TASK,
                                      sweep_seconds=settings.delivery_sweep_seconds)
            embedded.context = JobContext(async_sessionmaker(self._engine, expire_on_commit=False), embedded)
            self.queue = embedded
        await self.queue.start()
        install(self.queue)

    async def on_shutdown(self) -> None:
        """Finish in-process jobs (or disconnect), then forget the queue."""
        install(None)
        if self.queue is not None:
            await self.queue.stop()
        if self._engine is not None:
            await self._engine.dispose()


async def run_worker(settings: Settings) -> None:
    """Run a SAQ worker until SIGINT/SIGTERM (``br-server worker``)."""
    if not settings.redis_url:
        raise ValueError("BR_REDIS_URL is not set")
    _configure_tasks(settings)
    engine = create_engine(settings.database_url)
    queue = Queue.from_url(settings.redis_url, name=QUEUE_NAME)
    producer = SaqJobQueue(settings, queue)

    async def startup(ctx: dict[str, Any]) -> None:
        ctx[RUNTIME_KEY] = JobContext(async_sessionmaker(engine, expire_on_commit=False), producer)
        install(producer)
        # SAQ has installed its SIGINT/SIGTERM handlers by now: from here a signal stops the worker gracefully.
        logger.info("worker ready: queue %s, %d concurrent jobs", QUEUE_NAME, settings.worker_concurrency)

    async def shutdown(_ctx: dict[str, Any]) -> None:
        install(None)

    worker = build_worker(settings, queue, task_functions(), sweep_task=SWEEP_TASK, startup=startup,
                          shutdown=shutdown)
    try:
        await worker.start()
    finally:
        await engine.dispose()
