"""The advanced-alchemy Litestar plugin: one engine per app, a session per request as ``db_session``."""

from __future__ import annotations

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin

from app.db.config import alembic_config, create_engine, session_config
from app.server.settings import Settings

__all__ = ["build_database"]


def build_database(settings: Settings) -> tuple[SQLAlchemyAsyncConfig, SQLAlchemyPlugin]:
    """The request-scoped session config and its plugin; services commit their own transactions."""
    config = SQLAlchemyAsyncConfig(
        engine_instance=create_engine(settings.database_url),
        session_config=session_config(),
        alembic_config=alembic_config(),
        session_dependency_key="db_session",
    )
    return config, SQLAlchemyPlugin(config=config)
