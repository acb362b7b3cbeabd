"""``GET /healthz``: the app answers and its database does."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["healthz"]


@get("/healthz", name="system.health", include_in_schema=False, cache_control=None)
async def healthz(db_session: NamedDependency[AsyncSession]) -> dict[str, str]:
    """Return ``{"status": "ok"}`` after a round trip to the database."""
    await db_session.execute(text("SELECT 1"))
    return {"status": "ok", "database": "ok"}
