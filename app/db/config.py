"""Engine and session configuration shared by the web app, the CLI and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from advanced_alchemy.config import AlembicAsyncConfig, AsyncSessionConfig, SQLAlchemyAsyncConfig
from advanced_alchemy.types import GUID
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

import app.db.models  # noqa: F401  (registers every table on the metadata)

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "compare_type",
    "create_engine",
    "session_config",
    "sqlalchemy_config",
]

MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"
VERSION_TABLE = "alembic_version"


def create_engine(url: str, *, pooled: bool = True) -> AsyncEngine:
    """Create the async engine for ``url``; SQLite files get WAL, foreign keys and a busy timeout.

    Args:
        url: a ``sqlite+aiosqlite://`` or ``postgresql+asyncpg://`` URL.
        pooled: ``False`` opens a connection per use (CLI commands, tests on their own event loop).
    """
    options: dict[str, Any] = {"pool_pre_ping": not url.startswith("sqlite")}
    if not pooled:
        options["poolclass"] = NullPool
    if url.startswith("sqlite"):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(url, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets readers work while one writer commits; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def session_config() -> AsyncSessionConfig:
    """Session options: objects stay readable after commit (handlers render them afterwards)."""
    return AsyncSessionConfig(expire_on_commit=False)


def alembic_config() -> AlembicAsyncConfig:
    """Alembic through advanced-alchemy: scripts in ``migrations/``, types compared on autogenerate."""
    return AlembicAsyncConfig(
        script_config=str(MIGRATIONS_DIR / "alembic.ini"),
        script_location=str(MIGRATIONS_DIR),
        version_table_name=VERSION_TABLE,
        compare_type=True,
        render_as_batch=True,
        # None: user types render with their real module and import (no monkeypatched `sa.` aliases).
        user_module_prefix=None,
    )


def sqlalchemy_config(url: str, *, pooled: bool = True) -> SQLAlchemyAsyncConfig:
    """A framework-free advanced-alchemy config (CLI, migrations, tests)."""
    return SQLAlchemyAsyncConfig(
        engine_instance=create_engine(url, pooled=pooled),
        session_config=session_config(),
        alembic_config=alembic_config(),
    )


def compare_type(
    context: Any, _inspected_column: Any, _metadata_column: Any, _inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Alembic type comparison that ignores how SQLite reflects GUID columns (BINARY(16) reads back as NUMERIC).

    Returns:
        ``False`` to skip the comparison, ``None`` for Alembic's default comparison.
    """
    if context.dialect.name == "sqlite" and isinstance(metadata_type, GUID):
        return False
    return None
