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

from app.lib.errors import DomainError, RateLimited
from app.server.web import page

__all__ = ["exception_handlers", "problem_response"]

logger = logging.getLogger("buildrunner.server")
PROBLEM_MEDIA_TYPE: Final = "application/problem+json"
_TITLES: Final = {
    400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed",
    409: "Conflict", 412: "Precondition failed", 413: "Request too large", 415: "Unsupported media type",
    422: "Validation failed", 428: "Precondition required", 429: "Too many requests", 500: "Server error",
}


def _wants_problem(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def problem_response(
    request: Request[Any, Any, Any], status: int, detail: str, *, type_slug: str | None = None,
    extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
) -> Response[Any]:
    """Render one error for the client: problem+json for the API, the error page otherwise."""
    title = _TITLES.get(status, "Error")
    if _wants_problem(request):
        body = {"type": f"https://buildrunner.dev/problems/{type_slug or status}", "title": title,
                "status": status, "detail": detail, "instance": request.url.path, **(extra or {})}
        return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)
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
    if isinstance(exc.__cause__, SerializationException):  # the body could not be decoded at all
        detail = f"the body is not valid JSON ({detail}); send one JSON object as the schema at /schema describes"
    if isinstance(exc, ValidationException) and isinstance(exc.extra, list):
        extra["errors"] = [_plain(item) for item in exc.extra]
        detail = "the request is not valid: " + "; ".join(
            f"{item.get('key') or 'body'}: {item.get('message')}" for item in extra["errors"] if isinstance(item, dict)
        ) if extra["errors"] else detail
    return problem_response(request, exc.status_code, detail, extra=extra, headers=exc.headers)


def _plain(item: Any) -> Any:
    return {k: v for k, v in item.items() if isinstance(v, str | int | float | bool | None)} \
        if isinstance(item, dict) else str(item)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(request, 500, "something went wrong on our side; it has been logged")


exception_handlers: Final[ExceptionHandlersMap] = {
    DomainError: _domain,
    HTTPException: _http,
    Exception: _unexpected,
}
