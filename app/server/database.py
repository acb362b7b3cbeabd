"""The advanced-alchemy Litestar plugin: one engine per app, a session per request as ``db_session``."""

from __future__ import annotations

from typing import Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar import Request
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.config import alembic_config, create_engine, session_config
from app.server.settings import Settings

__all__ = ["build_database", "request_session"]

DB_CONFIG_STATE_KEY = "db_config"


def build_database(settings: Settings) -> tuple[SQLAlchemyAsyncConfig, SQLAlchemyPlugin]:
    """The request-scoped session config and its plugin; services commit their own transactions."""
    config = SQLAlchemyAsyncConfig(
        engine_instance=create_engine(settings.database_url),
        session_config=session_config(),
        alembic_config=alembic_config(),
        session_dependency_key="db_session",
    )
    return config, SQLAlchemyPlugin(config=config)


class _RequestSession:
    """Stands for the request's session and opens it on first use.

    A request answered from a cache (most ``GET /api/v1/projects``) then never creates and closes a session,
    which is a third of such a request's time. The session is the one ``db_session`` gives, kept in the request
    scope by advanced-alchemy and closed by its before-send handler, so both names share one transaction.
    """

    __slots__ = ("_request",)

    def __init__(self, request: Request[Any, Any, Any]) -> None:
        self._request = request

    def __getattr__(self, name: str) -> Any:
        request = self._request
        config: SQLAlchemyAsyncConfig = request.app.state[DB_CONFIG_STATE_KEY]
        return getattr(config.provide_session(request.app.state, request.scope), name)


def request_session(request: Request[Any, Any, Any]) -> AsyncSession:
    """The request's database session, opened when a service first uses it."""
    return cast("AsyncSession", _RequestSession(request))
