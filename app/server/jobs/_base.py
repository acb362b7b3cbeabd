"""The job queue every part of the server enqueues to, whatever runs the jobs (SAQ workers or the app itself)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["JobContext", "JobQueue", "Task", "current", "install", "runtime"]

Task = Callable[..., Awaitable[Any]]
"""A task function: ``async def task(ctx: dict[str, Any], **kwargs) -> Any`` (SAQ's calling convention)."""

RUNTIME_KEY = "buildrunner"


class JobQueue(ABC):
    """Where jobs are enqueued; :func:`current` is the process's queue once the app or worker has started."""

    @abstractmethod
    async def enqueue(self, function: str, *, key: str, at: datetime | None = None, **kwargs: Any) -> None:
        """Enqueue ``function(ctx, **kwargs)`` to run now, or at ``at``.

        Args:
            function: a registered task name such as ``"deliveries.deliver"``.
            key: the job's identity: enqueueing a key that is still queued or running does nothing.
            at: the earliest time to run it (``None``: now).
            **kwargs: the task's JSON-serializable keyword arguments.
        """

    @abstractmethod
    async def start(self) -> None:
        """Connect (SAQ) or start the in-process worker (embedded)."""

    @abstractmethod
    async def stop(self) -> None:
        """Disconnect, or finish the queued jobs and stop the in-process worker."""

    @abstractmethod
    async def stats(self) -> dict[str, Any]:
        """Counts and recent jobs, for the admin page."""


@dataclass(frozen=True, slots=True)
class JobContext:
    """What a task needs besides its arguments: database sessions and the queue (to enqueue follow-ups)."""

    sessions: async_sessionmaker[AsyncSession]
    queue: JobQueue


def runtime(ctx: dict[str, Any]) -> JobContext:
    """The :class:`JobContext` inside a task's ``ctx``."""
    context = ctx[RUNTIME_KEY]
    if not isinstance(context, JobContext):  # set by the queue that calls the task: a bug otherwise
        raise TypeError(f"ctx[{RUNTIME_KEY!r}] is not a JobContext")
    return context


_current: JobQueue | None = None


def install(queue: JobQueue | None) -> None:
    """Make ``queue`` the process's queue (``None`` on shutdown)."""
    global _current  # noqa: PLW0603
    _current = queue


def current() -> JobQueue | None:
    """The process's queue: set while the app (or ``br-server worker``) runs, ``None`` elsewhere (the CLI)."""
    return _current
