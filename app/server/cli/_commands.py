"""The ``br-server`` commands. Each returns an exit code; expected failures raise :class:`CliError`."""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar
from uuid import UUID

from advanced_alchemy.exceptions import AdvancedAlchemyError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import migrate
from app.db.config import create_engine
from app.domain.accounts.schemas import GLOBAL_ROLES, Principal
from app.domain.accounts.services import AccountService, ApiKeyService
from app.domain.mail.services import MailService
from app.domain.orgs.services import OrgService
from app.lib import clock
from app.lib.errors import DomainError, NotFound
from app.server.settings import Settings, SettingsError

__all__ = ["COMMANDS", "CliError"]

T = TypeVar("T")
SYSTEM = Principal(user_id=UUID(int=0), email="operator@localhost", name="br-server", via="system")


class CliError(Exception):
    """An expected failure: printed as one line, exit code 2."""


def _expected_errors(command: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    @functools.wraps(command)
    def wrapper(args: argparse.Namespace) -> int:
        try:
            return command(args)
        except (SettingsError, DomainError) as exc:
            raise CliError(str(exc)) from None
        except (SQLAlchemyError, AdvancedAlchemyError, OSError) as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise CliError(f"the database is not reachable or not usable ({reason}); check BR_DATABASE_URL") from None

    return wrapper


def _settings() -> Settings:
    return Settings.from_env()


def _in_session(url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def go() -> T:
        engine = create_engine(url, pooled=False)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as session:
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


@_expected_errors
def cmd_run(args: argparse.Namespace) -> int:
    """Apply migrations, optionally seed the demo, and serve with uvicorn."""
    import uvicorn  # noqa: PLC0415  (only this command needs the server stack)

    from app.server.app import create_app  # noqa: PLC0415
    from app.server.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo  # noqa: PLC0415

    overrides = {"BR_HOST": args.host, "BR_PORT": str(args.port) if args.port else None}
    # --host/--port mean the same as BR_HOST/BR_PORT, so links in emails name the address really served.
    settings = Settings.from_env({**os.environ, **{k: v for k, v in overrides.items() if v}})
    host, port = settings.host, settings.port
    migrate.upgrade(settings.database_url)
    if args.demo:
        created = _in_session(settings.database_url, lambda db: seed_demo(db, SYSTEM))
        print("Demo data " + ("created" if created else "already present") + ": organization acme, project SHOP.")
        for email, _, _, role in DEMO_USERS:
            print(f"  sign in as {email} ({role}) with password {DEMO_PASSWORD}")
    print(f"BuildRunner is running at http://{host}:{port}/  (Ctrl+C stops it)")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)
    return 0


@_expected_errors
def cmd_db(args: argparse.Namespace) -> int:
    """``db upgrade``, ``db check`` (exit 1 on drift) and ``db revision``."""
    url = _settings().database_url
    if args.db_command == "upgrade":
        migrate.upgrade(url)
        print(f"database upgraded: {migrate.check(url).describe()}")
        return 0
    if args.db_command == "revision":
        migrate.generate(url, args.message)
        return 0
    state = migrate.check(url)
    print(state.describe())
    return 0 if state.ok else 1


async def _create_user(db: AsyncSession, args: argparse.Namespace) -> str:
    global_role = args.role if args.role in GLOBAL_ROLES else None
    user = await AccountService(db, MailService(db)).create_user(
        args.email, args.password, args.name, verified=True, global_role=global_role,
    )
    await db.commit()
    if not args.org:
        return f"created {user.email}" + (f" ({global_role})" if global_role else "")
    orgs = OrgService(db)
    try:
        await orgs.get(SYSTEM, args.org)
    except NotFound:
        await orgs.create(SYSTEM, args.org, args.org)
    role = args.role if args.role and not global_role else "member"
    await orgs.add_member(SYSTEM, args.org, user.email, role)
    return f"created {user.email}, {role} of {args.org}"


@_expected_errors
def cmd_users(args: argparse.Namespace) -> int:
    """``users create``."""
    if args.role and not args.org and args.role not in GLOBAL_ROLES:
        raise CliError(f"--role {args.role} needs --org (or use a global role: {', '.join(GLOBAL_ROLES)})")
    print(_in_session(_settings().database_url, lambda db: _create_user(db, args)))
    return 0


async def _create_key(db: AsyncSession, args: argparse.Namespace) -> Any:
    user = await AccountService(db, MailService(db)).get_by_email(args.email)
    if user is None:
        raise CliError(f"no user {args.email}; create one with `br-server users create`")
    org_id = (await OrgService(db).get(SYSTEM, args.org)).id if args.org else None
    if args.expires_days is not None and args.expires_days < 1:
        raise CliError("--expires-days must be 1 or more")
    expires = clock.now() + timedelta(days=args.expires_days) if args.expires_days else None
    scopes = [scope.strip() for scope in args.scopes.split(",") if scope.strip()]
    return await ApiKeyService(db).create(user.id, name=args.name, scopes=scopes, expires_at=expires,
                                          organization_id=org_id)


@_expected_errors
def cmd_api_keys(args: argparse.Namespace) -> int:
    """``api-keys create``: prints the key once."""
    created = _in_session(_settings().database_url, lambda db: _create_key(db, args))
    print(created.secret)
    print(f"(key {created.info.prefix} for {args.email}, scopes {','.join(created.info.scopes)}; "
          "it is shown only now: store it safely)")
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": cmd_run, "db": cmd_db, "users": cmd_users, "api-keys": cmd_api_keys,
}
