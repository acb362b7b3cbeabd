"""`br conflicts` and `br resolve`: settle the conflicts a sync found, by id or interactively."""

from __future__ import annotations

import argparse
import shutil
import sys
import textwrap
from typing import Any

import msgspec

from buildrunner.cli._output import emit_json, workspace
from buildrunner.errors import BrError, UsageError
from buildrunner.sync.conflicts import pending_conflicts, resolve_conflict
from buildrunner.sync.state import StoredConflict

_SIDES = ("base", "local (ours)", "remote (theirs)")


def _show(value: Any) -> str:
    if value is None:
        return "(absent)"
    return msgspec.json.format(msgspec.json.encode(value), indent=2).decode()


def list_conflicts(args: argparse.Namespace) -> int:
    """List pending conflicts with their ids, paths and the three values."""
    pending = pending_conflicts(workspace(args))
    items = pending.items if pending else []
    if args.json:
        emit_json({"against": pending.against if pending else None, "conflicts": items})
        return 0
    if not items or pending is None:
        print("no conflicts")
        return 0
    lines = [f"{len(items)} conflict{'s' if len(items) != 1 else ''} with server revision {pending.against} "
             "(settle each with `br resolve ID --ours|--theirs`, or run `br resolve`):"]
    for conflict in items:
        lines.append(f"  {conflict.id}  {conflict.path}  ({conflict.kind})")
        for side, value in zip(_SIDES, (conflict.base, conflict.local, conflict.remote), strict=True):
            shown = _show(value).replace("\n", "\n" + " " * 24)
            lines.append(f"      {side + ':':<18}{shown}")
    print("\n".join(lines))
    return 0


def side_by_side(conflict: StoredConflict, width: int) -> str:
    """The three versions of a conflict in three columns."""
    column = max((width - 6) // 3, 12)
    cells = []
    for value in (conflict.base, conflict.local, conflict.remote):
        wrapped: list[str] = []
        for line in _show(value).splitlines() or [""]:
            wrapped += textwrap.wrap(line, column, drop_whitespace=False, replace_whitespace=False) or [""]
        cells.append(wrapped)
    rows = [" | ".join(f"{title[:column]:<{column}}" for title in _SIDES)]
    rows.append("-+-".join("-" * column for _ in _SIDES))
    for index in range(max(len(cell) for cell in cells)):
        rows.append(" | ".join(f"{(cell[index] if index < len(cell) else ''):<{column}}" for cell in cells))
    return "\n".join(row.rstrip() for row in rows)


def _parse_value(text: str) -> Any:
    try:
        return msgspec.json.decode(text.encode())
    except msgspec.DecodeError:
        raise UsageError(f"--value must be JSON, e.g. '\"a title\"', 'true' or '{{\"id\": ...}}'; got {text!r}") \
            from None


def resolve(args: argparse.Namespace) -> int:
    """Settle one conflict (``ID --ours|--theirs|--value JSON``) or, without an id, each in turn interactively."""
    ws = workspace(args)
    if args.id is None:
        if args.ours or args.theirs or args.value is not None:
            raise UsageError("--ours, --theirs and --value settle one conflict: give its ID (see `br conflicts`)")
        return _interactive(args)
    if args.value is not None:
        choice, value = "value", _parse_value(args.value)
    elif args.ours or args.theirs:
        choice, value = ("ours" if args.ours else "theirs"), None
    else:
        raise UsageError("say how to settle it: --ours, --theirs or --value JSON")
    result = resolve_conflict(ws, args.id, choice, value)  # type: ignore[arg-type]
    if args.json:
        emit_json(result)
    else:
        print(_settled_line(result.conflict, choice, result.remaining, result.base_revision))
    return 0


def _settled_line(conflict: StoredConflict, choice: str, remaining: int, base: int) -> str:
    done = {"ours": "kept the local value", "theirs": "took the server's value", "value": "set your value"}[choice]
    line = f"{conflict.id} {conflict.path}: {done}"
    if remaining:
        return f"{line}; {remaining} conflict{'s' if remaining != 1 else ''} left"
    return f"{line}; all settled, base is now revision {base}: run `br sync` to push the result"


def _interactive(args: argparse.Namespace) -> int:
    if not sys.stdin.isatty():
        raise UsageError("`br resolve` without an ID asks questions and needs a terminal; use "
                         "`br resolve ID --ours|--theirs|--value JSON`")
    ws = workspace(args)
    pending = pending_conflicts(ws)
    if pending is None or not pending.items:
        print("no conflicts")
        return 0
    width = shutil.get_terminal_size((120, 24)).columns
    for number, conflict in enumerate(list(pending.items), start=1):
        print(f"\n[{number}/{len(pending.items)}] {conflict.id}  {conflict.path}  ({conflict.kind})")
        print(side_by_side(conflict, width))
        if not _ask(ws, conflict):
            return 0
    return 0


def _ask(ws: Any, conflict: StoredConflict) -> bool:
    """Ask until the conflict is settled or skipped (``True``), or the user quits (``False``)."""
    while True:
        try:
            answer = input("keep [o]urs, take [t]heirs, [e]dit a value, [s]kip, [q]uit? ").strip().lower()[:1]
            if answer == "q":
                return False
            if answer == "s":
                return True
            if answer not in ("o", "t", "e"):
                continue
            choice = {"o": "ours", "t": "theirs", "e": "value"}[answer]
            value = _parse_value(input("value (JSON): ")) if answer == "e" else None
            result = resolve_conflict(ws, conflict.id, choice, value)  # type: ignore[arg-type]
        except EOFError:
            return False
        except BrError as exc:
            print(f"br: error: {exc}")
            continue
        print(_settled_line(result.conflict, choice, result.remaining, result.base_revision))
        return True
