"""The ``br-server`` command line: argparse, one module of commands, one clear line per error."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.server.cli import _audit, _worker
from app.server.cli._commands import COMMANDS, CliError

__all__ = ["build_parser", "main", "run"]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every ``br-server`` command."""
    parser = argparse.ArgumentParser(prog="br-server", description="Run and administer the BuildRunner server.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run_p = sub.add_parser("run", help="apply migrations and serve (BR_HOST/BR_PORT or --host/--port)")
    run_p.add_argument("--host", help="address to listen on (default BR_HOST or 127.0.0.1)")
    run_p.add_argument("--port", type=int, help="port to listen on (default BR_PORT or 8000)")
    run_p.add_argument("--demo", action="store_true", help="seed a demo organization, users and plan")
    db_p = sub.add_parser("db", help="database migrations")
    db_sub = db_p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    db_sub.add_parser("upgrade", help="apply every migration")
    db_sub.add_parser("check", help="fail when the database is behind or the models differ from the migrations")
    revision = db_sub.add_parser("revision", help="autogenerate a migration from the models (for developers)")
    revision.add_argument("-m", "--message", required=True, help="what the migration changes")
    users = sub.add_parser("users", help="user accounts").add_subparsers(dest="users_command", required=True,
                                                                        metavar="ACTION")
    create = users.add_parser("create", help="create a verified user")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--name", default="")
    create.add_argument("--org", help="organization slug to add the user to (created if missing)")
    create.add_argument("--role", help="owner|admin|member with --org, or a global role: GlobalAdmin|TenantAdmin|"
                                       "SupportAgent")
    keys = sub.add_parser("api-keys", help="API keys").add_subparsers(dest="keys_command", required=True,
                                                                     metavar="ACTION")
    key = keys.add_parser("create", help="create an API key and print it once")
    key.add_argument("--email", required=True, help="the user the key acts as")
    key.add_argument("--scopes", required=True, help="comma-separated: plan:read,plan:write,comments:write,admin")
    key.add_argument("--name", default="cli", help="a label to recognise the key by")
    key.add_argument("--expires-days", type=int, help="days until the key expires (default: never)")
    key.add_argument("--org", help="limit the key to one organization (slug)")
    _audit.add_parser(sub)
    _worker.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit code (2 for any error, printed as one line)."""
    args = build_parser().parse_args(argv)
    try:
        return {**COMMANDS, "audit": _audit.cmd_audit, "worker": _worker.cmd_worker}[args.command](args)
    except CliError as exc:
        print(f"br-server: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def run() -> None:
    """Entry point of the ``br-server`` script."""
    sys.exit(main())
