"""The in-process event bus: prefixes, order, unsubscribing, and a failing subscriber that harms nobody."""

from __future__ import annotations

import logging

import pytest

from app.lib.events import DomainEvent, EventBus


async def test_subscribers_hear_matching_events_in_order(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    heard: list[str] = []

    async def first(event: DomainEvent) -> None:
        heard.append(f"first {event.name}")

    async def broken(event: DomainEvent) -> None:
        raise RuntimeError("boom")

    async def last(event: DomainEvent) -> None:
        heard.append(f"last {event.name}")

    bus.subscribe(first, prefix="comment.")
    bus.subscribe(broken)
    stop = bus.subscribe(last)
    with caplog.at_level(logging.ERROR, logger="buildrunner.events"):
        await bus.publish(DomainEvent(name="comment.created"))
        await bus.publish(DomainEvent(name="plan.revision"))
    assert heard == ["first comment.created", "last comment.created", "last plan.revision"]
    assert [r.getMessage().split(" failed on ")[1] for r in caplog.records] == ["comment.created", "plan.revision"]
    stop()
    stop()  # twice is harmless
    await bus.publish(DomainEvent(name="comment.edited"))
    assert heard[-1] == "first comment.edited"
    bus.clear()
    await bus.publish(DomainEvent(name="comment.deleted"))
    assert len(heard) == 4
