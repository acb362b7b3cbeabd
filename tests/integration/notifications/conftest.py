"""The notification tests' world: the comments crew (acme's WEB with the demo plan, a person in every role, cody the
Contributor and the ``frontend`` team) and a notification listener on the test database, as the app starts one."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from uuid import UUID

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db.config import create_engine
from app.db.models import Delivery, Notification
from app.domain.deliveries.services import DeliveryConfig, configure
from app.domain.notifications.services import NotificationSubscriber
from tests.integration.comments.conftest import Crew, crew, say  # noqa: F401  (crew: a fixture used here)

__all__ = ["SECRET", "Crew", "deliveries", "notifications_of", "say"]

SECRET = "test-secret-" + "x" * 32


@pytest.fixture(autouse=True)
def _delivery_config() -> Iterator[None]:
    """Deliveries sealed with the tests' secret key (the listener and the app use the same)."""
    configure(DeliveryConfig(secret_key=SECRET))
    yield
    configure(None)


@pytest.fixture
async def listener(database_url: str) -> AsyncIterator[NotificationSubscriber]:
    """The notification listener subscribed to the bus, on its own engine like the app's."""
    engine = create_engine(database_url, pooled=False)
    subscriber = NotificationSubscriber(async_sessionmaker(engine, expire_on_commit=False), secret_key=SECRET,
                                        base_url="https://br.example")
    subscriber.on_startup()
    yield subscriber
    subscriber.on_shutdown()
    await engine.dispose()


async def notifications_of(db: AsyncSession, user_id: UUID, *, every: bool = False) -> list[Notification]:
    """A user's notifications, oldest first (``every``: the unlisted ones too)."""
    await db.rollback()
    query = select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    if not every:
        query = query.where(Notification.in_app.is_(True))
    found = list(await db.scalars(query))
    db.expunge_all()  # plain values from here on: a later rollback must not expire them
    return found


async def deliveries(db: AsyncSession) -> list[Delivery]:
    """Every delivery scheduled so far."""
    await db.rollback()
    found = list(await db.scalars(select(Delivery).order_by(Delivery.created_at, Delivery.dedup_key)))
    db.expunge_all()
    return found
