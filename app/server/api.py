"""The JSON API under ``/api/v1``: every domain's routes behind one authorization guard and one request check.

Each route declares in its ``opt`` what it needs: ``action`` (a project :class:`Action`, checked against the
caller's role by the services and here against the key's scope) or ``key_scope`` (the API-key scope of a route
that is not about one project). A route that declares neither is refused to everyone: deny by default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import msgspec
from litestar import Request, Router
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException, ValidationException
from litestar.handlers.base import BaseRouteHandler

from app.domain.accounts import api as accounts_api
from app.domain.accounts.guards import current_principal
from app.domain.accounts.schemas import SCOPES, Scope
from app.domain.audit import api as audit_api
from app.domain.comments import api as comments_api
from app.domain.governance import api as governance_api
from app.domain.live import api as live_api
from app.domain.notifications import api as notifications_api
from app.domain.orgs import api as orgs_api
from app.domain.projects import api as projects_api
from app.domain.projects.permissions import ACTION_SCOPE, Action
from app.domain.teams import api as teams_api
from app.domain.timeline import api as timeline_api
from app.lib.errors import PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import NUL_MESSAGE, find_nul, reject_nul

__all__ = ["API_PREFIX", "api_router", "authorize", "check_body", "check_request", "required_scope"]

API_PREFIX: Final = "/api/v1"
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})


def required_scope(opt: Mapping[str, Any]) -> Scope:
    """The API-key scope a route needs, read from its ``opt``.

    Raises:
        PermissionDenied: when the route declares no rule (deny by default).
    """
    action = opt.get("action")
    if isinstance(action, Action):
        return ACTION_SCOPE[action]
    scope = opt.get("key_scope")
    for known in SCOPES:
        if scope == known:
            return known
    raise PermissionDenied(_("this route has no authorization rule yet, so nobody may call it"))


def authorize(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """The check every API route starts with: the caller is signed in (else 401) and their key holds the route's
    scope (403). ``OPTIONS`` (answered by Litestar with the allowed methods, no data) is open to all.

    :func:`check_request` runs it first. It is not a Litestar guard because Litestar copies the route handler for
    every guard it calls (``copy(handler)``, ~70 attributes): a fifth of a small API request's time.
    """
    if connection.scope.get("method") == "OPTIONS":
        return
    principal = current_principal(connection)
    scope = required_scope(handler.opt)
    if not principal.has_scope(scope):
        raise PermissionDenied(
            _("this API key lacks the %(scope)s scope; create a key with it under Settings → API keys")
            % {"scope": scope})


def _has_body(request: Request[Any, Any, Any]) -> bool:
    length = request.headers.get("content-length")
    return "transfer-encoding" in request.headers or (length is not None and length.strip() not in ("", "0"))


async def check_request(request: Request[Any, Any, Any]) -> None:
    """Before every API handler: :func:`authorize`, then refuse what no handler should see: NUL in a path or query
    parameter or in a JSON string (422), a body that is not JSON (415). Unknown query parameters are ignored.
    """
    authorize(request, request.route_handler)
    for name, value in request.path_params.items():
        if isinstance(value, str):
            reject_nul(name, value)
    for name, value in request.query_params.multi_items():
        reject_nul(name, value)
    if request.method not in _BODY_METHODS or not _has_body(request):
        return
    media_type = request.content_type[0].lower()
    declared = request.route_handler.opt.get("media_types")
    if declared:  # a route that reads a document of another kind (a policy's YAML) and checks it itself
        if media_type not in declared:
            raise ClientException(status_code=415, detail=_("send the body as %(types)s (got %(got)s)") % {
                "types": " or ".join(declared), "got": media_type or _("no Content-Type")})
        return
    if media_type != "application/json" and not media_type.endswith("+json"):
        got = media_type or _("no Content-Type")
        raise ClientException(status_code=415,
                              detail=_("send the body as application/json (got %(got)s)") % {"got": got})
    body = await request.body()
    if b"\\u0000" in body:  # cheap pre-check: only bodies that may hold an escaped NUL are decoded twice
        try:
            decoded = msgspec.json.decode(body)
        except msgspec.DecodeError:
            decoded = None  # malformed: reported below, or by the plan linter
        if (path := find_nul(decoded)) is not None:
            raise ValidationFailed(path, _(NUL_MESSAGE))
    data_field = request.route_handler.parsed_data_field
    if data_field is not None:
        check_body(body, data_field.annotation)


def check_body(body: bytes, target: Any) -> None:
    """Decode ``body`` strictly as ``target``.

    Litestar converts bodies leniently (``1`` passes as ``true``, ``"5"`` as ``5``) because it shares that step
    with query strings, where everything arrives as text; a JSON body has real types, so they must match.

    Raises:
        ClientException: 400 naming the JSON problem or the field and what it expected.
    """
    try:
        msgspec.json.decode(body, type=target, strict=True)
    except msgspec.ValidationError as exc:
        try:
            msgspec.json.decode(body)
        except msgspec.DecodeError as syntax:
            raise _not_json(syntax) from None
        message, _at, where = str(exc).partition(" - at `$")
        key = where.rstrip("`").lstrip(".") or "body"
        detail = _("the request is not valid: %(problems)s") % {"problems": f"{key}: {message}"}
        raise ValidationException(detail=detail,
                                  extra=[{"key": key, "message": message, "source": "body"}]) from None
    except msgspec.DecodeError as exc:
        raise _not_json(exc) from None


def _not_json(exc: msgspec.DecodeError) -> ClientException:
    return ClientException(status_code=400, detail=_(
        "the body is not valid JSON (%(error)s); send one JSON object as the schema at /schema describes",
    ) % {"error": exc})


def api_router() -> Router:
    """Every ``/api/v1`` route, authorized and checked by :func:`check_request` (no route or router below may set a
    ``before_request`` of its own: it would replace this one; a test holds that)."""
    return Router(
        path=API_PREFIX,
        route_handlers=[projects_api.router, accounts_api.router, orgs_api.router, audit_api.router,
                        comments_api.router, teams_api.router, governance_api.router, timeline_api.router,
                        live_api.router, notifications_api.router],
        before_request=check_request,
    )
