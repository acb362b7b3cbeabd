"""Helpers shared by the account, organization and mailbox pages: who may see them, and form errors."""

from __future__ import annotations

from typing import Any, Final

import msgspec
from litestar import Request
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.guards import current_principal
from app.domain.accounts.services import VerificationService
from app.domain.mail.services import MailService
from app.lib.errors import DomainError, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.settings import Settings

__all__ = ["FieldErrors", "account_service", "check_plain_text", "field_errors", "keep", "requires_session",
           "safe_next"]

FieldErrors = dict[str, str]
# Characters a single-line form field never needs; PostgreSQL refuses NUL in text outright.
_CONTROL: Final = frozenset(chr(code) for code in range(32)) | {"\x7f"}


def requires_session(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: a signed-in browser. API keys are refused, so a key cannot reach past its scopes through a page.

    Raises:
        Unauthorized: for anonymous callers (a GET page sends them to the sign-in page).
        PermissionDenied: for API-key callers.
    """
    if current_principal(connection).via != "session":
        raise PermissionDenied(_("these pages need a signed-in browser; API keys work with the JSON API"))


def account_service(request: Request[Any, Any, Any], db: AsyncSession) -> VerificationService:
    """The account flows, mailing through SMTP when configured and linking to the public URL."""
    settings: Settings = request.app.state.settings
    return VerificationService(db, MailService(db, smtp_url=settings.smtp_url), base_url=settings.base_url)


def field_errors(exc: DomainError, default_field: str) -> FieldErrors:
    """The error as ``{field: message}``: a validation error names its field, others go to ``default_field``."""
    if isinstance(exc, ValidationFailed):
        return {exc.field: exc.detail}
    return {default_field: exc.message}


def check_plain_text(form: msgspec.Struct, *fields: str) -> None:
    """Refuse control characters (NUL included) in single-line fields, before any service sees them.

    Raises:
        ValidationFailed: naming the first offending field.
    """
    for name in fields:
        value = getattr(form, name)
        if isinstance(value, str) and not _CONTROL.isdisjoint(value):
            raise ValidationFailed(name, _("remove the control characters (such as NUL or a line break)"))


def keep(value: str, limit: int) -> str:
    """A submitted value to show again in the form: without control characters, at most ``limit`` long."""
    return "".join(char for char in value[:limit] if char not in _CONTROL)


def safe_next(path: str) -> str:
    """A local path to go to after signing in; anything else (another site, odd characters) becomes ``/``."""
    local = path.startswith("/") and not path.startswith("//") and "\\" not in path
    return path if local and _CONTROL.isdisjoint(path) and len(path) <= 2000 else "/"
