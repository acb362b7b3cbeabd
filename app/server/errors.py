"""Errors to HTTP: RFC 9457 problem+json under ``/api``, an HTML error page elsewhere; never a traceback."""

from __future__ import annotations

import logging
from typing import Any, Final
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ExceptionHandlersMap

from app.lib import i18n
from app.lib.errors import DomainError, RateLimited
from app.lib.i18n import N_
from app.lib.i18n import gettext as _
from app.server.web import LOCALE_SCOPE_KEY, page, request_locale

__all__ = ["exception_handlers", "problem_response"]

logger = logging.getLogger("buildrunner.server")
PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
# English, marked for extraction; translated when an error is rendered, in the request's language.
_TITLES: Final = {
    400: N_("Bad request"), 401: N_("Unauthorized"), 403: N_("Forbidden"), 404: N_("Not found"),
    405: N_("Method not allowed"), 409: N_("Conflict"), 412: N_("Precondition failed"), 413: N_("Request too large"),
    415: N_("Unsupported media type"), 422: N_("Validation failed"), 428: N_("Precondition required"),
    429: N_("Too many requests"), 500: N_("Server error"),
}
_ERROR: Final = N_("Error")


def _wants_problem(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def problem_response(
    request: Request[Any, Any, Any], status: int, detail: str, *, type_slug: str | None = None,
    extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
) -> Response[Any]:
    """Render one error for the client: problem+json for the API, the error page otherwise.

    ``title`` and ``detail`` are in the request's language (``detail`` is translated where it is written);
    ``type``, ``status`` and the members in ``extra`` are identifiers and never change with the language.
    """
    title = _(_TITLES.get(status, _ERROR))
    if _wants_problem(request):
        body = {"type": f"https://buildrunner.dev/problems/{type_slug or status}", "title": title,
                "status": status, "detail": detail, "instance": request.url.path, **(extra or {})}
        language = {"Content-Language": i18n.current_locale(), "Vary": "Accept-Language"}
        return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE,
                        headers={**language, **(headers or {})})
    if status == 401 and request.method in ("GET", "HEAD"):
        # A person who is not signed in goes to the login page and comes back afterwards.
        return Redirect(path=f"/login?{urlencode({'next': request.url.path})}", status_code=303)
    context = {"status": status, "title": title, "detail": detail, "errors": (extra or {}).get("errors", [])}
    response = page(request, "errors/error.html.j2", context, status_code=status)
    response.headers.update(headers or {})
    return response


def _domain(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    if exc.status == 401 and _wants_problem(request):
        headers = {"WWW-Authenticate": 'Bearer realm="buildrunner"'}
    return problem_response(request, exc.status, exc.message, type_slug=exc.type_slug, extra=exc.extra(),
                            headers=headers)


def _http(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
        return _unexpected(request, exc)
    extra: dict[str, Any] = {}
    detail = exc.detail
    if LOCALE_SCOPE_KEY not in request.scope:  # the router refused the path or method: no middleware ran
        i18n.use_locale(request_locale(request.query_params.get("lang"), request.headers.get("cookie", ""),
                                       request.headers.get("accept-language")))
        if exc.status_code == 404:
            detail = _("there is nothing at this address; check it, or start again from the home page")
        elif exc.status_code == 405:
            detail = _("this address does not take %(method)s requests") % {"method": request.method}
    if isinstance(exc.__cause__, SerializationException):  # the body could not be decoded at all
        detail = _("the body is not valid JSON (%(error)s); send one JSON object as the schema at /schema describes") \
            % {"error": detail}
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        extra["errors"] = [_plain(item) for item in exc.extra]
        problems = "; ".join(
            f"{item.get('key') or 'body'}: {item.get('message')}" for item in extra["errors"] if isinstance(item, dict)
        )
        detail = _("the request is not valid: %(problems)s") % {"problems": problems} if extra["errors"] else detail
    return problem_response(request, exc.status_code, detail, extra=extra, headers=exc.headers)


def _plain(item: Any) -> Any:
    return {k: v for k, v in item.items() if isinstance(v, str | int | float | bool | None)} \
        if isinstance(item, dict) else str(item)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, _("something went wrong on our side; it has been logged"))


exception_handlers: Final[ExceptionHandlersMap] = {
    DomainError: _domain,
    HTTPException: _http,
    Exception: _unexpected,
}
