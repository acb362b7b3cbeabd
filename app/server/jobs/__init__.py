"""Background jobs, one code path in both modes.

Production (``BR_REDIS_URL`` set): SAQ queues on Redis; the app enqueues and ``br-server worker`` processes run
the tasks. Embedded (no Redis): the same task functions run in the app process on an asyncio worker started with
the app and drained on shutdown.

Any code, without Litestar, reaches the process's queue with :func:`current` (set by the app on startup and by
the worker) and enqueues a registered task by name::

    from app.server.jobs import current
    queue = current()
    if queue is not None:
        await queue.enqueue("deliveries.sweep", key="...")

Task functions take ``ctx`` (SAQ's context dict) and keyword arguments; :func:`runtime` gives them a session
factory and the queue. Register new tasks in ``_tasks.py``.
"""

from app.server.jobs._base import JobContext, JobQueue, Task, current, install, runtime
from app.server.jobs._tasks import SWEEP_TASK

__all__ = ["SWEEP_TASK", "JobContext", "JobQueue", "Task", "current", "install", "runtime"]
