"""Sign in and sign out: the reference for how pages are written (see app/server/web.py)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import EmailNotVerified, SessionService, VerifiedSessionService
from app.domain.accounts.web._support import keep, safe_next
from app.lib.errors import RateLimited, Unauthorized
from app.lib.i18n import gettext as _
from app.server.auth import SESSION_COOKIE, session_cookie
from app.server.web import page, redirect

__all__ = ["login_page", "login_submit", "logout"]

TEMPLATE = "accounts/login.html.j2"


class LoginForm(msgspec.Struct):
    """The sign-in form; missing fields arrive as empty strings and get a message, not a 400."""

    email: str = ""
    password: str = ""
    next: str = "/"


Form = Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/login", name="accounts.login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], next: FromQuery[str] = "/") -> Response[Any]:
    """The sign-in form (a signed-in user goes straight on)."""
    if request.scope.get("user") is not None:
        return redirect(request, safe_next(next))
    return page(request, TEMPLATE, {"form": LoginForm(next=safe_next(next)), "error": None}, block="login_form")


@post("/login", name="accounts.login_submit", include_in_schema=False)
async def login_submit(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                       data: Form) -> Response[Any]:
    """Check the credentials, open a fresh session and go on; a failure shows the form again."""
    try:
        _principal, token = await VerifiedSessionService(db_session).login(
            data.email, data.password, request.headers.get("user-agent", ""))
    except (Unauthorized, RateLimited, EmailNotVerified) as exc:
        form = LoginForm(email=keep(data.email, 320), next=safe_next(data.next))
        context = {"form": form, "error": exc.message, "unverified": isinstance(exc, EmailNotVerified)}
        status = 400 if exc.status == 401 else exc.status
        return page(request, TEMPLATE, context, block="login_form", status_code=status)
    response = redirect(request, safe_next(data.next), ("success", _("You are signed in.")))
    response.cookies.append(session_cookie(token, request.app.state.settings))
    return response


@post("/logout", name="accounts.logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Response[Any]:
    """End the session on the server and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await SessionService(db_session).logout(token)
    response = redirect(request, "/login", ("success", _("You are signed out.")))
    response.cookies.append(session_cookie("", request.app.state.settings))
    return response
