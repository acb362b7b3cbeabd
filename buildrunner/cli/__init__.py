"""The `br` command line. Each command lives in its own module, imported only when it runs."""

from __future__ import annotations

import gc
import os
import sys
from importlib import import_module

from buildrunner.cli._parser import build_parser


def main(argv: list[str] | None = None) -> int:
    """Run `br` with ``argv`` and return the exit code; expected errors print one line, never a traceback."""
    args = build_parser().parse_args(argv)
    if args.command != "mcp":
        # A command lives for a fraction of a second and builds no reference cycles worth collecting;
        # the collector would otherwise rescan a large plan's millions of objects many times over.
        gc.disable()
    module_name, _, function_name = args.handler.partition(":")
    try:
        from buildrunner.errors import BrError  # noqa: PLC0415

        handler = getattr(import_module(f"buildrunner.cli.{module_name}"), function_name)
        try:
            return int(handler(args))
        except BrError as exc:
            print(f"br: error: {exc}", file=sys.stderr)
            return exc.exit_code
    except KeyboardInterrupt:
        print("br: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: not an error worth reporting.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if os.environ.get("BR_DEBUG"):
            raise
        print(f"br: internal error: {type(exc).__name__}: {exc} (set BR_DEBUG=1 for details)", file=sys.stderr)
        return 2


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
