"""Domain errors: services raise these; ``app.server.errors`` maps them to HTTP responses.

Every error carries a message written for the person who caused it: what is wrong and how to fix it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

__all__ = [
    "ApprovalRequired",
    "Conflict",
    "DomainError",
    "NotFound",
    "PermissionDenied",
    "PreconditionFailed",
    "PreconditionRequired",
    "RateLimited",
    "Unauthorized",
    "ValidationFailed",
]


class DomainError(Exception):
    """Base of every expected error; ``status`` is the HTTP status it maps to, ``title`` its short name."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"
    type_slug: ClassVar[str] = "bad-request"

    def __init__(self, message: str) -> None:
        """Create the error with a human-readable message."""
        super().__init__(message)
        self.message = message

    def extra(self) -> dict[str, Any]:
        """Extra members for an RFC 9457 problem document (none by default)."""
        return {}


class NotFound(DomainError):
    """The thing does not exist, or the caller may not know that it does (other tenants' data)."""

    status = 404
    title = "Not found"
    type_slug = "not-found"


class Unauthorized(DomainError):
    """The caller is not signed in, or the credentials are wrong."""

    status = 401
    title = "Unauthorized"
    type_slug = "unauthorized"


class PermissionDenied(DomainError):
    """The caller is known but their role does not allow the action."""

    status = 403
    title = "Forbidden"
    type_slug = "forbidden"


class ApprovalRequired(PermissionDenied):
    """A governed transition (completing a milestone, changing the policy ...) needs an approval that is not given.

    ``transition`` and ``target`` say which approval to request (``POST .../approvals``); ``approvers`` lists the
    roles that may give it.
    """

    type_slug = "approval-required"

    def __init__(self, message: str, *, transition: str, target: str, approvers: Sequence[str]) -> None:
        """Create the error naming the approval that is missing."""
        super().__init__(message)
        self.transition = transition
        self.target = target
        self.approvers = list(approvers)

    def extra(self) -> dict[str, Any]:
        """Name the approval to request, and who may give it."""
        return {"transition": self.transition, "target": self.target, "approvers": self.approvers}


class Conflict(DomainError):
    """The change clashes with existing data (a taken email, slug or key)."""

    status = 409
    title = "Conflict"
    type_slug = "conflict"


class PreconditionFailed(DomainError):
    """The caller's view is stale: the expected revision is not the current one."""

    status = 412
    title = "Precondition failed"
    type_slug = "precondition-failed"

    def __init__(self, message: str, *, current: int | None = None) -> None:
        """Create the error; ``current`` is the revision the caller should refetch."""
        super().__init__(message)
        self.current = current

    def extra(self) -> dict[str, Any]:
        """Tell the client which revision is current."""
        return {} if self.current is None else {"current_revision": self.current}


class PreconditionRequired(DomainError):
    """A write needs the caller to say which revision it edited (``If-Match``), and it did not."""

    status = 428
    title = "Precondition required"
    type_slug = "precondition-required"


class RateLimited(DomainError):
    """Too many attempts; ``retry_after`` is in seconds."""

    status = 429
    title = "Too many requests"
    type_slug = "rate-limited"

    def __init__(self, message: str, *, retry_after: int) -> None:
        """Create the error with the number of seconds to wait."""
        super().__init__(message)
        self.retry_after = retry_after

    def extra(self) -> dict[str, Any]:
        """Tell the client how long to wait."""
        return {"retry_after": self.retry_after}


class ValidationFailed(DomainError):
    """Input is invalid: ``field`` names what to fix; ``errors`` may list several problems (e.g. lint findings)."""

    status = 422
    title = "Validation failed"
    type_slug = "validation-failed"

    def __init__(self, field: str, message: str, *, errors: Sequence[dict[str, Any]] = ()) -> None:
        """Create the error for ``field`` with a message saying how to fix it."""
        super().__init__(f"{field}: {message}")
        self.field = field
        self.detail = message
        self.errors = list(errors)

    def extra(self) -> dict[str, Any]:
        """Name the field and list the individual problems."""
        return {"field": self.field, "errors": self.errors}
