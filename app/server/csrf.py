"""CSRF protection for cookie-authenticated writes; Bearer-authenticated API calls are exempt.

Litestar's double-submit middleware does the work (signed token in a cookie, echoed in the
``X-CSRFToken`` header or the ``_csrf_token`` form field). A request that carries a Bearer key and no
session cookie cannot be forged by a browser, so it skips the check; so does a JSON API request without a session
cookie, which has no credentials to abuse and must get its 401, not a CSRF 403. (Page forms keep the check even
when anonymous: it is what stops login CSRF.)
"""

from __future__ import annotations

from litestar.config.csrf import CSRFConfig
from litestar.enums import ScopeType
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send

from app.server.auth import bearer_token, has_session_cookie
from app.server.settings import Settings

__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "BearerExemptCSRFMiddleware", "csrf_config"]

CSRF_COOKIE = "br_csrf"
CSRF_HEADER = "x-csrftoken"


def csrf_config(settings: Settings) -> CSRFConfig:
    """Signed with the server secret; the cookie is readable by htmx (not HttpOnly) and Secure behind TLS."""
    return CSRFConfig(
        secret=settings.secret_key, cookie_name=CSRF_COOKIE, header_name=CSRF_HEADER,
        cookie_secure=settings.secure_cookies, cookie_samesite="lax", cookie_httponly=False,
    )


class BearerExemptCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware, skipped for Bearer-only requests."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the CSRF token unless the request is authenticated by a Bearer key alone."""
        if scope["type"] == ScopeType.HTTP and not has_session_cookie(scope) and (
            bearer_token(scope) is not None or scope["path"].startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        await super().__call__(scope, receive, send)
