"""`br completion bash|zsh|fish`: shell completion generated from the real `br` parser.

The scripts are rendered from the argparse tree (commands, nested `add` kinds, options, choices), so
completion cannot drift from the CLI. Ids are completed live by asking `br` itself: milestone and step
ids from `br status --json`, actionable microstep ids from `br next --json --limit 0`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Final

from buildrunner.cli._parser import build_parser
from buildrunner.cli.completion._bash import bash_script
from buildrunner.cli.completion._fish import fish_script
from buildrunner.cli.completion._model import Arg, Command, describe
from buildrunner.cli.completion._zsh import zsh_script

__all__ = ["SCRIPTS", "Arg", "Command", "bash_script", "describe", "fish_script", "render", "run", "zsh_script"]

SCRIPTS: Final[dict[str, Callable[[Command], str]]] = {"bash": bash_script, "zsh": zsh_script, "fish": fish_script}


def render(shell: str, parser: argparse.ArgumentParser | None = None) -> str:
    """Return the completion script for ``shell`` (``bash``, ``zsh`` or ``fish``) built from ``parser``.

    Args:
        shell: the target shell.
        parser: the parser to describe; defaults to the real `br` parser.
    """
    return SCRIPTS[shell](describe(parser or build_parser()))


def run(args: argparse.Namespace) -> int:
    """Print the completion script for ``args.shell``."""
    sys.stdout.buffer.write(render(args.shell).encode())
    sys.stdout.flush()
    return 0
