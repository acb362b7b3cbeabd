"""Pausing Python's cyclic garbage collector around work that allocates a great many acyclic objects.

Decoding, linting, merging or materializing a 10,000-microstep plan allocates hundreds of thousands of dicts, lists
and structs that reference counting frees on its own (plans hold no reference cycles). Left on, the collector runs
dozens of young-generation passes during such work, and every tenth of those escalates to a full pass over every
object the process holds (the imported modules included): about 150-250 ms each, two or three per save of such a
plan. Pausing it for the duration turns those into one young pass afterwards. Pauses nest and may overlap across
threads and coroutines: the collector comes back when the last one ends, and only if it was on to begin with.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["freeze_startup_objects", "gc_paused"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False
_frozen = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the ``with`` block with the cyclic garbage collector off (reference counting still frees memory)."""
    global _depth, _was_enabled  # noqa: PLW0603 - one collector per process, so one pause count
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()


def freeze_startup_objects() -> None:
    """Take what the process holds once it has started (imported modules, the app and its routes: some 220,000
    objects for the server) out of the collector's reach, once per process.

    They live as long as the process, yet every full collection walked them all again: 100 ms and more, long enough
    to hold up a live event on its way to a thousand open streams. Later calls do nothing, so a process that builds
    many apps (the test suite) freezes only what existed at the first; objects frozen are never collected.
    """
    global _frozen  # noqa: PLW0603 - once per process
    with _lock:
        if _frozen:
            return
        _frozen = True
    gc.collect()
    gc.freeze()
