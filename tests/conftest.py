"""Shared fixtures: a real PostgreSQL database per test session and migrated SQLite templates.

Heavy imports happen inside the fixtures so that unit tests of the core library never load the server stack.
PostgreSQL is expected at ``BR_TEST_POSTGRES_URL`` (default ``postgresql+asyncpg://postgres@127.0.0.1:5432``);
when it is unreachable the PostgreSQL tests skip, or fail with ``BR_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

POSTGRES_BASE = os.environ.get("BR_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432")


def services_required() -> bool:
    """Whether a missing service must fail the run instead of skipping (CI sets ``BR_REQUIRE_SERVICES=1``)."""
    return os.environ.get("BR_REQUIRE_SERVICES", "") == "1"


def unavailable(reason: str) -> None:
    """Skip, or fail when services are required."""
    if services_required():
        pytest.fail(f"{reason} (BR_REQUIRE_SERVICES=1 makes this a failure)")
    pytest.skip(reason)


async def _admin(statement: str) -> None:
    import asyncpg  # noqa: PLC0415

    dsn = POSTGRES_BASE.replace("postgresql+asyncpg://", "postgresql://") + "/postgres"
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


class PostgresDatabases:
    """Creates throw-away databases on the test server and drops them at the end of the session."""

    def __init__(self) -> None:
        """Start with no databases."""
        self.created: list[str] = []

    def create(self) -> str:
        """Create a fresh empty database and return its SQLAlchemy URL."""
        name = f"br_test_{secrets.token_hex(6)}"
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return f"{POSTGRES_BASE}/{name}"

    def drop_all(self) -> None:
        """Drop every database this session created."""
        for name in self.created:
            asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_databases() -> Iterator[PostgresDatabases]:
    """A factory of fresh PostgreSQL databases (skips, or fails under BR_REQUIRE_SERVICES=1, without a server)."""
    try:
        asyncio.run(_admin("SELECT 1"))
    except (OSError, TimeoutError, Exception) as exc:  # asyncpg raises many types; all mean "no server".
        unavailable(f"PostgreSQL at {POSTGRES_BASE} is unreachable: {exc}")
    databases = PostgresDatabases()
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_migrated_url(postgres_databases: PostgresDatabases) -> str:
    """A PostgreSQL database migrated to head once per session (tests truncate it afterwards)."""
    from app.db import migrate  # noqa: PLC0415

    url = postgres_databases.create()
    migrate.upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session; tests get copies of it."""
    from app.db import migrate  # noqa: PLC0415

    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite+aiosqlite:///{path}")
    return path


def sqlite_only() -> Any:
    """A ``database_url`` fixture for a module whose tests need SQLite alone (pages add rendering, not SQL; their
    services are tested on both databases): a copy of the migrated template. Use ``database_url = sqlite_only()``."""

    @pytest.fixture
    def database_url(sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
        target = tmp_path / "buildrunner.db"
        shutil.copyfile(sqlite_template, target)
        yield f"sqlite+aiosqlite:///{target}"

    return database_url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with no tables at all (for migration tests): a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    databases: PostgresDatabases = request.getfixturevalue("postgres_databases")
    return databases.create()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database: a copy of the SQLite template, or the session's PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "buildrunner.db"
        shutil.copyfile(template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    url: str = request.getfixturevalue("postgres_migrated_url")
    yield url
    asyncio.run(_truncate(url))


async def _truncate(url: str) -> None:
    from advanced_alchemy.base import metadata_registry  # noqa: PLC0415
    from sqlalchemy import text  # noqa: PLC0415

    from app.db.config import create_engine  # noqa: PLC0415

    tables = ", ".join(f'"{name}"' for name in metadata_registry.get(None).tables)
    engine = create_engine(url, pooled=False)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} CASCADE"))
    finally:
        await engine.dispose()
