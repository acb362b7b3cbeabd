"""Account pages: sign in and sign out. The reference for how pages are written (see app/server/web.py)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import SessionService
from app.lib.errors import RateLimited, Unauthorized
from app.lib.i18n import gettext as _
from app.server.auth import SESSION_COOKIE, session_cookie
from app.server.web import page, redirect

__all__ = ["router"]


class LoginForm(msgspec.Struct):
    """The sign-in form; missing fields arrive as empty strings and get a message, not a 400."""

    email: str = ""
    password: str = ""
    next: str = "/"


Form = Annotated[LoginForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


@get("/login", name="accounts.login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], next: str = "/") -> Response[Any]:
    """The sign-in form (a signed-in user goes straight on)."""
    if request.scope.get("user") is not None:
        return redirect(request, next)
    return page(request, "accounts/login.html.j2", {"form": LoginForm(next=next), "error": None})


@post("/login", name="accounts.login_submit", include_in_schema=False)
async def login_submit(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                       data: Form) -> Response[Any]:
    """Check the credentials, open a fresh session and go on; a failure shows the form again."""
    try:
        _principal, token = await SessionService(db_session).login(
            data.email, data.password, request.headers.get("user-agent", ""))
    except (Unauthorized, RateLimited) as exc:
        status = 429 if isinstance(exc, RateLimited) else 400
        return page(request, "accounts/login.html.j2", {"form": LoginForm(email=data.email, next=data.next),
                                                        "error": exc.message}, status_code=status)
    response = redirect(request, data.next, ("success", _("You are signed in.")))
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


router = Router(path="/", route_handlers=[login_page, login_submit, logout])
