"""An app on the test database, with clients for each kind of caller."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import ApiKeyService, SessionService
from tests.integration.conftest import PASSWORD, Client, World


async def bearer(db: AsyncSession, world_user: object, *scopes: str) -> dict[str, str]:
    """An Authorization header with a new key of ``world_user`` holding ``scopes``."""
    created = await ApiKeyService(db).create(world_user.user_id, name="test", scopes=list(scopes))  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {created.secret}"}


async def session_token(db: AsyncSession, email: str) -> str:
    _, token = await SessionService(db).login(email, PASSWORD)
    return token


__all__ = ["Client", "World", "bearer", "session_token"]
