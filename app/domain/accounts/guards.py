"""Route guards for authentication; project permissions are checked by the services (deny by default)."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from app.domain.accounts.schemas import Principal, Scope
from app.lib.errors import PermissionDenied, Unauthorized
from app.lib.i18n import gettext as _

__all__ = ["current_principal", "not_while_impersonating", "requires_principal", "requires_scope"]


def current_principal(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The signed-in principal of a request.

    Raises:
        Unauthorized: for anonymous requests.
    """
    principal = connection.scope.get("user")
    if not isinstance(principal, Principal):
        raise Unauthorized(_("sign in, or send an API key as `Authorization: Bearer <key>`"))
    return principal


def requires_principal(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: the route needs a signed-in user or an API key."""
    current_principal(connection)


def requires_scope(scope: Scope) -> Any:
    """Guard factory: the caller must be signed in and, with an API key, hold ``scope``."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        if not current_principal(connection).has_scope(scope):
            raise PermissionDenied(_("this API key lacks the %(scope)s scope") % {"scope": scope})

    return guard


def not_while_impersonating(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: refused to a GlobalAdmin acting as someone else (for credentials that would outlive the act)."""
    if current_principal(connection).impersonator is not None:
        raise PermissionDenied(_("not while acting as another user: end the impersonation first"))
