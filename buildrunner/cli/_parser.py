"""The `br` argument parser. Handlers are named as strings and imported only when run: `br --help` stays fast."""

from __future__ import annotations

import argparse
from typing import Any

STATUS_CHOICES = ("todo", "in_progress", "blocked", "review", "done")


def _common(json_flag: bool = True) -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    parent.add_argument("--root", metavar="DIR", help="repository root (default: nearest parent holding buildrunner/)")
    if json_flag:
        parent.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return parent


def build_parser() -> argparse.ArgumentParser:
    """Return the full `br` parser; each subcommand sets ``handler`` to ``"module:function"``."""
    parser = argparse.ArgumentParser(
        prog="br",
        description="Plan software builds as a Build Spec in your repo: lint, query and edit it, offline first.",
        epilog="Run `br COMMAND --help` for a command's options. Docs: docs/cli.md",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    common, plain = _common(), _common(json_flag=False)

    def add(name: str, handler: str, help_text: str, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text, parents=parents)
        cmd.set_defaults(handler=handler)
        return cmd

    cmd = add("init", "init:run", "create plan.json, runner_state.json and policy.yml (never overwrites)", [common])
    cmd.add_argument("--name", help="project name (default: the directory name)")
    cmd.add_argument("--key", default="", help="short project key, e.g. WEB")

    cmd = add("lint", "lint:run", "check a plan; exit 0 valid, 1 findings, 2 usage or I/O error", [plain])
    cmd.add_argument("path", nargs="?", metavar="PATH", help="plan file (default: the workspace's plan.json)")
    cmd.add_argument("--format", choices=("text", "json"), default="text", help="output format")

    cmd = add("status", "status:run", "milestone and step progress, counts by status; sync state when linked",
              [common])
    cmd.add_argument("--check-server", action="store_true", help="ask the server for its head revision (network)")

    cmd = add("next", "next:run", "actionable microsteps: dependencies done, not blocked", [common])
    cmd.add_argument("--limit", type=int, default=10, metavar="N", help="show at most N (0 = all; default 10)")
    cmd.add_argument("--owner", help="only microsteps owned by OWNER")

    cmd = add("show", "show:run", "show a milestone, step or microstep (an id or a unique id prefix)", [common])
    cmd.add_argument("id", metavar="ID")

    _add_add(sub, common)

    cmd = add("set-status", "edit:set_status", "set a microstep's status", [common])
    cmd.add_argument("id", metavar="ID")
    cmd.add_argument("status", metavar="STATUS", choices=STATUS_CHOICES, help=" | ".join(STATUS_CHOICES))

    cmd = add("check", "edit:check", "mark an acceptance criterion met", [common])
    cmd.add_argument("id", metavar="ID", help="microstep id")
    cmd.add_argument("criterion", metavar="CRITERION_ID")
    cmd.add_argument("--unmet", action="store_true", help="mark it unmet instead")

    cmd = add("note", "edit:note", "append a note to a microstep", [common])
    cmd.add_argument("id", metavar="ID")
    cmd.add_argument("text", metavar="TEXT")
    cmd.add_argument("--author", default="", help="who wrote it")

    cmd = add("import", "importer:run", "import a Task Master or Backlog.md project into the plan", [common])
    cmd.add_argument("source", choices=("taskmaster", "backlog"), help="taskmaster (tasks.json) or backlog (dir)")
    cmd.add_argument("path", metavar="PATH", help="tasks.json for taskmaster; the backlog/ directory for backlog")

    cmd = add("export", "export:run", "export the plan as Markdown, JSON or CSV", [plain])
    cmd.add_argument("--format", choices=("md", "json", "csv"), default="md", help="output format (default md)")
    cmd.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of standard output")

    _add_governance(sub, plain)

    add("schema", "schema:run", "print the Build Spec JSON Schema", [])

    cmd = add("completion", "completion:run", "print a shell completion script", [])
    cmd.add_argument("shell", choices=("bash", "zsh", "fish"))

    add("mcp", "mcp:run", "serve the workspace to coding agents over MCP (stdio)", [plain])
    _add_sync(sub, add, common, plain)
    return parser


def _add_sync(sub: argparse._SubParsersAction[argparse.ArgumentParser], add: Any,
              common: argparse.ArgumentParser, plain: argparse.ArgumentParser) -> None:
    cmd = add("login", "login:login", "check an API key against a server and store it (0600; never printed)", [plain])
    cmd.add_argument("--server", required=True, metavar="URL", help="the server, e.g. https://br.example.org")
    cmd.add_argument("--api-key", metavar="KEY", help="the key (default: standard input when piped, else a prompt)")
    cmd = add("logout", "login:logout", "forget the API key stored for a server", [plain])
    cmd.add_argument("--server", required=True, metavar="URL")
    cmd = add("link", "login:link", "link this workspace to a server project (checked on the server)", [common])
    cmd.add_argument("project", metavar="PROJECT_KEY")
    cmd.add_argument("--server", metavar="URL", help="default: the current link, or the only server logged in to")
    cmd.add_argument("--org", metavar="SLUG", help="the organization, when the key is ambiguous")
    cmd.add_argument("--force", action="store_true", help="relink: drops queued changes and pending conflicts")
    cmd = add("sync", "sync:run", "pull, merge and push the plan; exit 3 queued (offline), 4 conflicts", [common])
    halves = cmd.add_mutually_exclusive_group()
    halves.add_argument("--pull", action="store_true", help="only pull and merge into plan.json")
    halves.add_argument("--push", action="store_true", help="only send local changes (the server merges)")
    cmd.add_argument("--dry-run", action="store_true", help="show what would change locally and remotely")
    cmd.add_argument("--retry-failed", action="store_true", help="send again a change the server refused")
    cmd.add_argument("--message", "-m", default="br sync", help="a note kept with the server revision")
    cmd.add_argument("--policy", choices=("ours", "theirs"),
                     help="settle a policy.yml conflict: upload yours, or take the server's")
    queue = sub.add_parser("queue", help="the sync outbox", description="The sync outbox.")
    actions = queue.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="pending and refused pushes, attempts, errors, circuit breaker",
                                description="Pending and refused pushes, attempts, errors, circuit breaker.",
                                parents=[common])
    status.set_defaults(handler="sync:queue_status")
    add("conflicts", "conflicts:list_conflicts", "list the conflicts the last sync found", [common])
    cmd = add("resolve", "conflicts:resolve", "settle a conflict; without ID, each in turn interactively", [common])
    cmd.add_argument("id", nargs="?", metavar="ID", help="a conflict id from `br conflicts` (or a unique prefix)")
    how = cmd.add_mutually_exclusive_group()
    how.add_argument("--ours", action="store_true", help="keep the local value")
    how.add_argument("--theirs", action="store_true", help="take the server's value")
    how.add_argument("--value", metavar="JSON", help="put this JSON value instead")


def _add_add(sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser) -> None:
    cmd = sub.add_parser("add", help="add a milestone, step or microstep", description="Add an item to the plan.")
    kinds = cmd.add_subparsers(dest="kind", metavar="KIND", required=True)

    def kind(name: str, help_text: str) -> argparse.ArgumentParser:
        sub_cmd = kinds.add_parser(name, help=help_text, description=help_text, parents=[common])
        sub_cmd.set_defaults(handler="add:run")
        sub_cmd.add_argument("title", metavar="TITLE")
        sub_cmd.add_argument("--id", dest="item_id", metavar="ID", help="use this id (default: a generated one)")
        sub_cmd.add_argument("--description", "-d", default="", help="longer description")
        return sub_cmd

    kind("milestone", "add a milestone")
    cmd = kind("step", "add a step to a milestone")
    cmd.add_argument("--milestone", "-m", required=True, metavar="ID", help="milestone id")
    cmd.add_argument("--depends-on", action="append", default=[], metavar="ID", help="repeatable")
    cmd = kind("microstep", "add a microstep to a step")
    cmd.add_argument("--step", "-s", required=True, metavar="ID", help="step id")
    cmd.add_argument("--owner", default="", help="who owns it")
    cmd.add_argument("--estimate", type=float, metavar="HOURS", help="estimated effort in hours")
    cmd.add_argument("--tag", action="append", default=[], help="repeatable")
    cmd.add_argument("--criterion", "-c", action="append", default=[], metavar="TEXT",
                     help="acceptance criterion (repeatable)")
    cmd.add_argument("--depends-on", action="append", default=[], metavar="ID", help="repeatable")
    cmd.add_argument("--link", action="append", default=[], metavar="URL", help="repeatable")


def _add_governance(sub: argparse._SubParsersAction[argparse.ArgumentParser], plain: argparse.ArgumentParser) -> None:
    cmd = sub.add_parser("governance", help="check the governance policy (policy.yml)",
                         description="Check the governance policy. Reference: docs/policy.md")
    actions = cmd.add_subparsers(dest="action", metavar="ACTION", required=True)
    help_text = "validate a policy; exit 0 valid, 1 findings, 2 usage or I/O error"
    cmd = actions.add_parser("validate", help=help_text, description=help_text, parents=[plain])
    cmd.set_defaults(handler="governance:validate")
    cmd.add_argument("path", nargs="?", metavar="PATH", help="policy file (default: the workspace's policy.yml)")
    cmd.add_argument("--format", choices=("text", "json"), default="text", help="output format")


def _version() -> str:
    from buildrunner import __version__  # noqa: PLC0415 - tiny module, kept lazy for symmetry

    return f"br {__version__}"
