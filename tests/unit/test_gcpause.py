"""The garbage-collector pause: off inside, back on after the last of nested or overlapping pauses, never turned on
when it was off before."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest

from buildrunner.gcpause import freeze_startup_objects, gc_paused


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_inside_and_back_on_after() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_nested_pauses_end_with_the_outermost() -> None:
    gc.enable()
    with gc_paused():
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_exception_still_ends_the_pause() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with gc_paused():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_in_threads_end_with_the_last() -> None:
    gc.enable()
    inside, release = threading.Event(), threading.Event()

    def worker() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=worker)
    with gc_paused():
        thread.start()
        inside.wait(5)
    assert not gc.isenabled()  # the thread's pause is still running
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_startup_objects_are_frozen_once_per_process() -> None:
    """What exists at the first call leaves the collector's generations; later calls (more apps) freeze nothing."""
    kept = [object() for _ in range(1000)]
    freeze_startup_objects()
    frozen = gc.get_freeze_count()
    assert frozen >= len(kept)  # at least the objects made above (and everything else alive then)
    later = [[] for _ in range(1000)]  # tracked containers made after the first freeze
    freeze_startup_objects()
    assert gc.get_freeze_count() == frozen and later
