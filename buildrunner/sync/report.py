"""What `br sync` was asked to do and what it did: options, outcome, exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import msgspec

from buildrunner.sync.changes import Changes

__all__ = ["EXIT_CODES", "Outcome", "SyncOptions", "SyncReport"]

Outcome = Literal["synced", "up_to_date", "dry_run", "failed", "queued", "conflicts"]

#: 0 in sync (or dry run); 1 the server refused the change; 3 queued, not synced (server unreachable or the
#: circuit breaker open); 4 conflicts to settle with `br resolve`. 2 stays "usage or configuration error".
EXIT_CODES: Final[dict[str, int]] = {
    "synced": 0, "up_to_date": 0, "dry_run": 0, "failed": 1, "queued": 3, "conflicts": 4,
}


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """``pull``/``push``: which halves to run (both by default); ``dry_run`` writes nothing."""

    pull: bool = True
    push: bool = True
    dry_run: bool = False
    retry_failed: bool = False
    message: str = "br sync"
    policy: Literal["ours", "theirs"] | None = None  # how to settle a policy.yml conflict


class SyncReport(msgspec.Struct, kw_only=True):
    """The result of one sync, as `br sync --json` prints it."""

    outcome: Outcome = "up_to_date"
    message: str = ""
    server: str
    project: str
    base_revision: int = 0
    remote_revision: int | None = None
    revisions_created: list[int] = msgspec.field(default_factory=list)
    pulled: Changes | None = None  # what changed (or would change) in the local plan.json
    pushed: Changes | None = None  # what was (or would be) sent to the server
    conflicts: int = 0
    queued: int = 0
    failed: int = 0
    dry_run: bool = False
    policy: str | None = None  # what happened to policy.yml (buildrunner.sync._policy), None when not synced
    policy_message: str = ""

    @property
    def exit_code(self) -> int:
        """The exit code of `br sync` for this outcome."""
        return EXIT_CODES[self.outcome]
