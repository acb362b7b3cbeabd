"""An app on the test database, with clients for each kind of caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import ApiKeyService, SessionService
from app.server.app import create_app
from app.server.settings import Settings
from tests.integration.conftest import PASSWORD, World

Client = AsyncTestClient


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings.from_env({
        "BR_DATABASE_URL": database_url, "BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": "test-secret-" + "x" * 32,
        "BR_MAX_BODY_BYTES": "200000",
    })


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=create_app(settings)) as test_client:
        yield test_client


async def bearer(db: AsyncSession, world_user: object, *scopes: str) -> dict[str, str]:
    """An Authorization header with a new key of ``world_user`` holding ``scopes``."""
    created = await ApiKeyService(db).create(world_user.user_id, name="test", scopes=list(scopes))  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {created.secret}"}


async def session_token(db: AsyncSession, email: str) -> str:
    _, token = await SessionService(db).login(email, PASSWORD)
    return token


__all__ = ["Client", "World", "bearer", "session_token"]
