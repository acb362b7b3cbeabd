"""The per-process cache of verified API keys: fewer database reads, revocation still immediate on this instance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ApiKey
from app.domain.accounts.services import ApiKeyService
from app.domain.accounts.services._api_keys import LAST_USED_PRECISION
from app.domain.accounts.services._key_cache import KEY_CACHE_TTL, VERIFIED_KEYS
from app.lib import clock
from app.lib.errors import Unauthorized
from tests.integration.conftest import make_user


class Frozen:
    """A clock the test moves by hand."""

    now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def frozen() -> Iterator[Frozen]:
    holder = Frozen()
    clock.set_clock(lambda: holder.now)
    VERIFIED_KEYS.clear()
    yield holder
    clock.set_clock(None)
    VERIFIED_KEYS.clear()


async def _last_used(db: AsyncSession, key_id: object) -> datetime | None:
    return await db.scalar(select(ApiKey.last_used_at).where(ApiKey.id == key_id).execution_options(
        populate_existing=True))


async def test_a_revoked_key_is_refused_at_once_although_it_was_cached(db: AsyncSession, frozen: Frozen) -> None:
    ada = await make_user(db, "ada@example.com")
    keys = ApiKeyService(db)
    created = await keys.create(ada.user_id, name="ci", scopes=["plan:read"])
    assert (await keys.authenticate(created.secret)).credential_id == created.info.id  # now cached
    await keys.revoke(ada.user_id, created.info.id)
    with pytest.raises(Unauthorized, match="revoked"):
        await keys.authenticate(created.secret)


async def test_a_cached_key_is_served_without_the_database_until_the_ttl(db: AsyncSession, frozen: Frozen) -> None:
    ada = await make_user(db, "ada@example.com")
    keys = ApiKeyService(db)
    created = await keys.create(ada.user_id, name="ci", scopes=["plan:read"])
    await keys.authenticate(created.secret)
    # Revoked behind the service's back (as another instance would): this instance trusts its cache for the TTL.
    await db.execute(update(ApiKey).where(ApiKey.id == created.info.id).values(revoked_at=clock.now()))
    await db.commit()
    frozen.advance(seconds=KEY_CACHE_TTL.total_seconds() - 1)
    assert (await keys.authenticate(created.secret)).via == "api_key"
    frozen.advance(seconds=1)
    with pytest.raises(Unauthorized, match="revoked"):
        await keys.authenticate(created.secret)


async def test_a_cached_key_still_expires_on_time(db: AsyncSession, frozen: Frozen) -> None:
    ada = await make_user(db, "ada@example.com")
    keys = ApiKeyService(db)
    created = await keys.create(ada.user_id, name="ci", scopes=["plan:read"], expires_at=clock.now() + timedelta(
        seconds=5))
    await keys.authenticate(created.secret)
    frozen.advance(seconds=5)
    with pytest.raises(Unauthorized, match="expired"):
        await keys.authenticate(created.secret)


async def test_last_used_is_written_at_most_once_a_minute(db: AsyncSession, frozen: Frozen) -> None:
    ada = await make_user(db, "ada@example.com")
    keys = ApiKeyService(db)
    created = await keys.create(ada.user_id, name="ci", scopes=["plan:read"])
    first = frozen.now
    await keys.authenticate(created.secret)
    assert await _last_used(db, created.info.id) == first
    frozen.advance(seconds=20)
    await keys.authenticate(created.secret)  # from the cache, within the minute: no write
    assert await _last_used(db, created.info.id) == first
    frozen.advance(seconds=LAST_USED_PRECISION.total_seconds())
    await keys.authenticate(created.secret)
    assert await _last_used(db, created.info.id) == frozen.now
