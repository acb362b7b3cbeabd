"""A per-process count of committed writes, so a cache of database reads knows when this process changed data.

Every ORM session marks itself when it flushes objects or executes anything but a SELECT; when such a session
commits, :func:`generation` moves on. A cache stores the generation it read under and drops its entry when the
generation differs. Writes by other processes (other app instances, workers, the CLI) are not seen here: caches
that rely on this also bound the age of their entries.
"""

from __future__ import annotations

import itertools
from typing import Any, Final

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

__all__ = ["generation"]

_WROTE: Final = "br_wrote"
_counter = itertools.count(1)
_generation = 0


def generation() -> int:
    """The number of writing commits this process has made (only ever grows)."""
    return _generation


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    if not state.is_select:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    global _generation  # noqa: PLW0603
    if session.info.pop(_WROTE, False):
        _generation = next(_counter)


@event.listens_for(Session, "after_soft_rollback")
def _rolled_back(session: Session, _previous: Any) -> None:
    session.info.pop(_WROTE, None)
