"""Errors of `br login`, `br link`, `br sync` and conflict resolution: one line each, never a traceback."""

from __future__ import annotations

from typing import Any

from buildrunner.errors import BrError

__all__ = [
    "AuthError",
    "ConfigError",
    "PushConflictError",
    "PushInProgressError",
    "PushRejectedError",
    "RemoteNotFoundError",
    "ServerUnavailableError",
    "StaleBaseError",
    "SyncError",
]


class SyncError(BrError):
    """Syncing failed in a way the user must look at (exit 1)."""


class ConfigError(BrError):
    """Not linked, not logged in, or a stored sync file is unreadable (exit 2)."""

    exit_code = 2


class AuthError(SyncError):
    """The server refused the API key (401) or the key may not do this (403)."""


class RemoteNotFoundError(SyncError):
    """The project (or the revision asked for) does not exist on the server, or is not visible to this key."""


class ServerUnavailableError(SyncError):
    """The server could not be reached or answered 5xx/429: transient, the change stays queued (exit 3)."""

    exit_code = 3

    def __init__(self, message: str, *, retry_after_ms: int | None = None) -> None:
        """Keep the server's ``Retry-After`` hint, if it gave one."""
        super().__init__(message)
        self.retry_after_ms = retry_after_ms


class PushInProgressError(ServerUnavailableError):
    """A push with the same Idempotency-Key is still being answered (an attempt cut off by a crash): retry."""


class PushConflictError(SyncError):
    """The server's merge of a push conflicted (409); the conflicts surface locally on the next pull."""

    def __init__(self, message: str, conflicts: list[Any]) -> None:
        """Keep the conflict list the server sent."""
        super().__init__(message)
        self.conflicts = conflicts


class PushRejectedError(SyncError):
    """The server refused the pushed change (422: lint findings or a delta that does not fit)."""

    def __init__(self, message: str, errors: list[Any]) -> None:
        """Keep the findings the server listed."""
        super().__init__(message)
        self.errors = errors


class StaleBaseError(SyncError):
    """The server does not accept the revision a push was based on (412)."""
