"""The registry of task functions, by name; both runners (SAQ and in-process) use it."""

from __future__ import annotations

from app.server.jobs._base import Task

__all__ = ["SWEEP_TASK", "task_functions"]

SWEEP_TASK = "deliveries.sweep"


def task_functions() -> dict[str, Task]:
    """Every task by name (imported late: the task modules import ``app.server.jobs`` to enqueue follow-ups)."""
    from app.domain.deliveries import jobs as deliveries  # noqa: PLC0415

    return {"deliveries.deliver": deliveries.deliver, SWEEP_TASK: deliveries.sweep}
