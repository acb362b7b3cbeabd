"""What every HTML page shares: rendering (full page or HTMX fragment), flash messages, locale, redirects.

Conventions (ARCHITECTURE.md, "HTMX pages"): one template per URL, its HTMX fragments are named blocks of
that template. A plain, boosted or history-restore request gets the whole page; an ``HX-Request`` gets
the named block. Every response says ``Vary: HX-Request``. POST handlers answer 303 to a page and leave a
flash message, so every form also works without JavaScript.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any, Final, Literal, cast

import jinja2
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from app.lib import clock, i18n
from app.server.settings import Settings

__all__ = [
    "FLASH_COOKIE",
    "LANG_COOKIE",
    "LocaleMiddleware",
    "flash",
    "is_fragment_request",
    "page",
    "redirect",
    "template_engine",
]

FLASH_COOKIE: Final = "br_flash"
LANG_COOKIE: Final = "br_lang"
FlashLevel = Literal["success", "error", "info"]


def template_engine(directory: Path) -> JinjaTemplateEngine:
    """Jinja with autoescaping and ``{% trans %}`` bound to the request's locale."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=jinja2.select_autoescape(["html", "j2", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals["LOCALE_NAMES"] = i18n.LOCALE_NAMES
    env.globals["now_ms"] = lambda: int(clock.now().timestamp() * 1000)  # a page's render time, for live updates
    return JinjaTemplateEngine.from_environment(env)


#: Set in the ASGI scope once :class:`LocaleMiddleware` chose the request's locale. The router refuses an unknown
#: path or method before any middleware runs, so the error handlers choose it themselves when it is missing.
LOCALE_SCOPE_KEY: Final = "br_locale"


def request_locale(query: str | None, cookie_header: str, accept_language: str | None) -> str:
    """The locale of a request: ``?lang=``, then the ``br_lang`` cookie, then Accept-Language."""
    return i18n.negotiate(query, _cookie(cookie_header, LANG_COOKIE), accept_language)


class LocaleMiddleware:
    """Makes the request's locale current: ``?lang=``, then the ``br_lang`` cookie, then Accept-Language.

    A plain ASGI middleware (the app factory is the class itself): it runs on every request, and Litestar's
    ``ASGIMiddleware`` wrapper would add its exclusion checks, which this one has no use for.
    """

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the locale for the rest of the request."""
        query_string = scope.get("query_string", b"")
        query = _query_lang(query_string) if b"lang=" in query_string else None
        cookie, accept_language = "", None
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookie = value.decode("latin-1")
            elif name == b"accept-language":
                accept_language = value.decode("latin-1")
        locale = request_locale(query, cookie, accept_language) if query or cookie or accept_language \
            else i18n.DEFAULT_LOCALE
        token = i18n.use_locale(locale)
        cast("dict[str, Any]", scope)[LOCALE_SCOPE_KEY] = locale  # the error handlers: the middleware ran
        try:
            if query is not None and i18n.language_of(query) == locale:
                await self.app(scope, receive, _remembering(send, locale))
            else:
                await self.app(scope, receive, send)
        finally:
            i18n._current.reset(token)


def _remembering(send: Send, locale: str) -> Send:
    """``send``, adding the cookie that remembers an explicit ``?lang=`` choice for a year, whatever the answer."""

    async def send_with_cookie(message: Message) -> None:
        if message["type"] == "http.response.start":
            cookie = f"{LANG_COOKIE}={locale}; Path=/; Max-Age=31536000; SameSite=Lax"
            message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
        await send(message)

    return send_with_cookie


def _query_lang(query_string: bytes) -> str | None:
    for part in query_string.decode("latin-1").split("&"):
        key, _, value = part.partition("=")
        if key == "lang" and value:
            return value
    return None


def _cookie(header: str, name: str) -> str | None:
    for part in header.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def is_fragment_request(request: Request[Any, Any, Any]) -> bool:
    """An htmx swap asking for a fragment (not a boosted navigation or a history restore)."""
    headers = request.headers
    return (headers.get("hx-request") == "true" and headers.get("hx-boosted") != "true"
            and headers.get("hx-history-restore-request") != "true")


def page(
    request: Request[Any, Any, Any], template: str, context: dict[str, Any] | None = None, *,
    block: str | None = None, status_code: int = 200,
) -> Template:
    """Render ``template``, or only its ``block`` for an htmx request; adds the shared page context."""
    settings: Settings = request.app.state.settings
    flashes = _read_flashes(request, settings)
    full_context = {
        "request_path": request.url.path,
        "user": request.scope.get("user"),
        "lang": i18n.current_locale(),
        "embedded": settings.is_sqlite,
        "flashes": flashes,
        **(context or {}),
    }
    response: Template
    if block is not None and is_fragment_request(request):
        response = HTMXBlockTemplate(template_name=template, block_name=block, context=full_context,
                                     status_code=status_code)
    else:
        response = Template(template, context=full_context, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    if flashes:
        response.cookies.append(Cookie(key=FLASH_COOKIE, value="", max_age=0, path="/", httponly=True))
    return response


def redirect(request: Request[Any, Any, Any], path: str, *messages: tuple[FlashLevel, str]) -> Response[Any]:
    """A 303 to ``path`` (a local path only) carrying flash messages for the next page."""
    target = path if path.startswith("/") and not path.startswith("//") else "/"
    response: Response[Any] = Redirect(path=target, status_code=303)
    if is_fragment_request(request):
        # The browser would follow a 303 inside htmx's request and fetch a fragment of the next page;
        # HX-Redirect makes htmx load the whole page instead.
        response = Response(content=b"", status_code=200, headers={"HX-Redirect": target})
    if messages:
        flash(request, response, *messages)
    return response


def flash(request: Request[Any, Any, Any], response: Response[Any], *messages: tuple[FlashLevel, str]) -> None:
    """Attach signed flash messages to ``response``; the next page shows and clears them."""
    settings: Settings = request.app.state.settings
    # No "=" padding: it would make the cookie value a quoted string.
    payload = base64.urlsafe_b64encode(json.dumps([list(m) for m in messages]).encode()).decode().rstrip("=")
    response.cookies.append(Cookie(key=FLASH_COOKIE, value=f"{payload}.{_sign(payload, settings)}", path="/",
                                   httponly=True, samesite="lax", secure=settings.secure_cookies, max_age=300))


def _sign(payload: str, settings: Settings) -> str:
    return hmac.new(settings.secret_key.encode(), f"flash:{payload}".encode(), hashlib.sha256).hexdigest()[:32]


def _read_flashes(request: Request[Any, Any, Any], settings: Settings) -> list[dict[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = raw.rpartition(".")
    if not payload or not hmac.compare_digest(signature, _sign(payload, settings)):
        return []
    try:
        items = json.loads(base64.urlsafe_b64decode(payload.encode() + b"=" * (-len(payload) % 4)))
    except (ValueError, TypeError):
        return []
    return [{"level": str(level), "message": str(message)} for level, message in items
            if level in ("success", "error", "info")]
