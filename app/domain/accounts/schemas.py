"""Account values passed between layers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal
from uuid import UUID

import msgspec

__all__ = [
    "GLOBAL_ROLES",
    "MAX_KEY_DAYS",
    "SCOPES",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyInfo",
    "GlobalRole",
    "Principal",
    "Scope",
]

GlobalRole = Literal["GlobalAdmin", "TenantAdmin", "SupportAgent"]
GLOBAL_ROLES: Final[tuple[GlobalRole, ...]] = ("GlobalAdmin", "TenantAdmin", "SupportAgent")
Scope = Literal["plan:read", "plan:write", "comments:write", "admin"]
SCOPES: Final[tuple[Scope, ...]] = ("plan:read", "plan:write", "comments:write", "admin")
MAX_KEY_DAYS: Final = 3650


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is making a request: a signed-in user (``via="session"``) or an API key (``via="api_key"``).

    ``scopes`` is ``None`` for sessions (a person has every scope their roles give them);
    ``organization_id`` limits an API key to one organization. During an impersonation the principal is the
    impersonated user, and ``impersonator`` names the GlobalAdmin acting as them (the ledger records both).
    """

    user_id: UUID
    email: str
    name: str = ""
    global_role: GlobalRole | None = None
    via: Literal["session", "api_key", "system"] = "session"
    credential_id: UUID | None = None
    scopes: frozenset[Scope] | None = None
    organization_id: UUID | None = None
    impersonator: str | None = None
    impersonation_ends_at: datetime | None = None

    def has_scope(self, scope: Scope) -> bool:
        """Whether the credential allows ``scope`` (``admin`` allows everything)."""
        return self.scopes is None or scope in self.scopes or "admin" in self.scopes

    @property
    def is_system(self) -> bool:
        """The operator at the command line: not limited by organization or project roles."""
        return self.via == "system"


class ApiKeyInfo(msgspec.Struct, frozen=True, kw_only=True):
    """An API key as listed: never its secret."""

    id: UUID
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(msgspec.Struct, frozen=True, kw_only=True):
    """A newly created key: ``secret`` is shown this once and never stored."""

    info: ApiKeyInfo
    secret: str


class ApiKeyCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new API key: it expires after ``expires_days`` (never when ``null``) and, with ``org``, works in that one
    organization only."""

    name: str
    scopes: Annotated[list[Scope], msgspec.Meta(min_length=1)]
    expires_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_KEY_DAYS)] | None = 90
    org: str | None = None
