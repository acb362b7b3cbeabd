"""Embedded mode: the task functions run in the app process, on asyncio tasks started and stopped with the app."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from datetime import datetime
from typing import Any

from app.lib import clock
from app.server.jobs._base import RUNTIME_KEY, JobContext, JobQueue, Task

__all__ = ["InProcessQueue"]

logger = logging.getLogger("buildrunner.jobs")


class InProcessQueue(JobQueue):
    """An asyncio queue with one consumer; jobs get the same timeout and retries as on SAQ.

    No Redis means nothing survives a restart but the database: the periodic sweep re-enqueues what a stopped
    process left behind, which is why every task is safe to run twice.
    """

    def __init__(self, functions: dict[str, Task], *, timeout: float, retries: int, sweep_task: str,
                 sweep_seconds: float) -> None:
        """Run ``functions`` by name; ``sweep_task`` every ``sweep_seconds``."""
        self.functions = functions
        self.timeout = timeout
        self.retries = retries
        self.sweep_task = sweep_task
        self.sweep_seconds = sweep_seconds
        self.context: JobContext | None = None
        self._queue: asyncio.Queue[tuple[str, str, dict[str, Any], int] | None] = asyncio.Queue()
        self._keys: set[str] = set()
        self._timers: set[asyncio.TimerHandle] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._recent: deque[dict[str, Any]] = deque(maxlen=50)
        self._counts = {"complete": 0, "failed": 0, "retried": 0}

    async def enqueue(self, function: str, *, key: str, at: datetime | None = None, **kwargs: Any) -> None:
        """Queue a job unless its key is already queued; ``at`` delays it on the event loop."""
        if function not in self.functions:
            raise KeyError(f"no task named {function!r}")
        if key in self._keys:
            return
        self._keys.add(key)
        self._put((function, key, kwargs, 1), (at - clock.now()).total_seconds() if at is not None else 0.0)

    def _put(self, item: tuple[str, str, dict[str, Any], int], delay: float) -> None:
        if delay <= 0:
            self._queue.put_nowait(item)
            return
        handle: asyncio.TimerHandle | None = None

        def due() -> None:
            if handle is not None:
                self._timers.discard(handle)
            self._queue.put_nowait(item)

        handle = asyncio.get_running_loop().call_later(delay, due)
        self._timers.add(handle)

    async def start(self) -> None:
        """Start the consumer and the periodic sweep (which also runs once at start: work left by a stop)."""
        self._tasks = [asyncio.create_task(self._consume(), name="br-jobs"),
                       asyncio.create_task(self._periodic(), name="br-jobs-sweep")]

    async def stop(self) -> None:
        """Stop the sweep, finish the jobs already queued, then stop the consumer (delayed ones are dropped)."""
        if not self._tasks:
            return
        consumer, periodic = self._tasks
        periodic.cancel()
        for handle in self._timers:
            handle.cancel()
        self._timers.clear()
        self._queue.put_nowait(None)
        # Jobs are bounded by their timeout, so the drain ends; suppress: a failing job was logged already.
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(consumer, periodic, return_exceptions=True)
        self._tasks = []

    async def stats(self) -> dict[str, Any]:
        """Counts since start, the queue's length and the latest jobs."""
        return {"name": "in-process", "queued": self._queue.qsize(), "scheduled": len(self._timers),
                **self._counts, "jobs": list(self._recent)}

    async def _periodic(self) -> None:
        while True:
            await self.enqueue(self.sweep_task, key=f"cron:{self.sweep_task}")
            await asyncio.sleep(self.sweep_seconds)

    async def _consume(self) -> None:
        while (item := await self._queue.get()) is not None:
            function, key, kwargs, attempt = item
            self._keys.discard(key)
            await self._run(function, key, kwargs, attempt)

    async def _run(self, function: str, key: str, kwargs: dict[str, Any], attempt: int) -> None:
        if self.context is None:
            raise RuntimeError("InProcessQueue.context must be set before start()")
        record: dict[str, Any] = {"function": function, "key": key, "attempt": attempt, "started": clock.now()}
        self._recent.appendleft(record)
        try:
            async with asyncio.timeout(self.timeout):
                record["result"] = await self.functions[function]({RUNTIME_KEY: self.context}, **kwargs)
        except Exception as exc:  # a job's failure must not stop the consumer
            record["error"] = f"{type(exc).__name__}: {exc}"
            if attempt < self.retries:
                self._counts["retried"] += 1
                logger.warning("job %s failed (attempt %d), retrying: %s", key, attempt, exc)
                self._keys.add(key)
                # Exponential backoff like SAQ's retry_backoff, capped at a minute.
                self._put((function, key, kwargs, attempt + 1), min(60.0, 2.0**attempt))
            else:
                self._counts["failed"] += 1
                logger.exception("job %s failed after %d attempts", key, attempt)
        else:
            self._counts["complete"] += 1
