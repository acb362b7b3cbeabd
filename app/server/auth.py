"""Who is calling: a session cookie or an ``Authorization: Bearer`` API key, resolved into ``request.user``.

Anonymous requests pass with ``request.user = None``; guards decide what they may see. A presented but
invalid API key is refused at once (401), so a client never mistakes itself for anonymous.
"""

from __future__ import annotations

from typing import Final

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from litestar.datastructures import Cookie
from litestar.types import ASGIApp, Receive, Scope, Send

from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import SESSION_LIFETIME, ApiKeyService, SessionService
from app.server.settings import Settings

__all__ = ["SESSION_COOKIE", "AuthMiddleware", "bearer_token", "session_cookie"]

SESSION_COOKIE: Final = "br_session"


def bearer_token(scope: Scope) -> str | None:
    """The token of an ``Authorization: Bearer`` header, if any."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    return None


def has_session_cookie(scope: Scope) -> bool:
    """Whether the request carries the session cookie (cheap header scan, no parsing of values)."""
    marker = f"{SESSION_COOKIE}=".encode()
    return any(name == b"cookie" and marker in value for name, value in scope.get("headers", ()))


def session_cookie(token: str, settings: Settings) -> Cookie:
    """The session cookie: HttpOnly, SameSite=Lax, Secure behind TLS; an empty token deletes it."""
    return Cookie(
        key=SESSION_COOKIE, value=token or "", path="/", httponly=True, samesite="lax",
        secure=settings.secure_cookies, max_age=int(SESSION_LIFETIME.total_seconds()) if token else 0,
    )


class AuthMiddleware:
    """Sets ``scope["user"]`` to a :class:`Principal` or ``None``, and ``scope["auth"]`` to how (a plain ASGI
    middleware: see ``app.server.web.LocaleMiddleware``)."""

    def __init__(self, app: ASGIApp, db_config: SQLAlchemyAsyncConfig) -> None:
        """Wrap ``app``; resolve credentials with sessions from ``db_config`` (shared with the request's handler)."""
        self.app = app
        self.db_config = db_config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Resolve the caller, then call the rest of the app."""
        principal: Principal | None = None
        token = bearer_token(scope)
        if token is not None:
            # A key verified moments ago needs no database session (see ApiKeyService.cached).
            principal = ApiKeyService.cached(token)
            if principal is None:
                db = self.db_config.provide_session(scope["litestar_app"].state, scope)
                principal = await ApiKeyService(db).authenticate(token)
        elif has_session_cookie(scope):
            cookie = _cookie_value(scope)
            if cookie:
                db = self.db_config.provide_session(scope["litestar_app"].state, scope)
                principal = await SessionService(db).resolve(cookie)
        scope["user"] = principal
        scope["auth"] = None if principal is None else principal.via
        await self.app(scope, receive, send)


def _cookie_value(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            key, _, val = part.strip().partition("=")
            if key == SESSION_COOKIE:
                return val.strip() or None
    return None
