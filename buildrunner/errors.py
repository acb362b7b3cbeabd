"""Errors that commands turn into a message and an exit code (never a traceback)."""

from __future__ import annotations


class BrError(Exception):
    """Base of every expected error; ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class SpecError(BrError):
    """The plan is invalid, or an edit would make it invalid."""


class NotFoundError(BrError):
    """An id, criterion or file that was asked for does not exist."""


class UsageError(BrError):
    """The command was called wrongly."""

    exit_code = 2


class WorkspaceError(BrError):
    """The workspace files cannot be found, read or written."""

    exit_code = 2
