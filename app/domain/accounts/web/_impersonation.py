"""Impersonation pages: ``/admin/impersonate`` (GlobalAdmin: the form and the latest impersonations) and
``POST /impersonation/end`` (the button on the banner every page shows while it runs)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import MAX_MINUTES, ImpersonationService
from app.domain.accounts.web._support import FieldErrors, check_plain_text, field_errors, keep, requires_session
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import page, redirect

__all__ = ["router"]

PAGE = "/admin/impersonate"


class ImpersonationForm(msgspec.Struct):
    """The start form, as the browser sends it."""

    email: str = ""
    reason: str = ""
    minutes: str = "30"


FormBody = Annotated[ImpersonationForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _page(request: Request[Any, Any, Any], db: AsyncSession, principal: Principal, *,
                form: ImpersonationForm, errors: FieldErrors, status: int = 200) -> Response[Any]:
    recent = await ImpersonationService(db).recent(principal)
    context = {"form": form, "errors": errors, "recent": recent, "max_minutes": MAX_MINUTES}
    return page(request, "admin/impersonate.html.j2", context, block="start_form", status_code=status)


@get(PAGE, name="accounts.impersonate")
async def impersonate_page(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                           principal: NamedDependency[Principal]) -> Response[Any]:
    """The form to act as a user, and who did so lately (GlobalAdmin only)."""
    return await _page(request, db_session, principal, form=ImpersonationForm(), errors={})


@post(PAGE, name="accounts.impersonate_start")
async def impersonate_start(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                            principal: NamedDependency[Principal], data: FormBody) -> Response[Any]:
    """Start acting as the user: every page then shows a banner with the button that ends it."""
    try:
        check_plain_text(data, "email", "minutes")
        minutes = data.minutes.strip()
        whole = int(minutes) if minutes.isascii() and minutes.isdigit() and len(minutes) <= 3 else 0  # 0: refused
        started = await ImpersonationService(db_session).start(principal, data.email, data.reason, whole)
    except ValidationFailed as exc:
        kept = ImpersonationForm(email=keep(data.email, 320), reason=data.reason[:400], minutes=keep(data.minutes, 3))
        return await _page(request, db_session, principal, form=kept, errors=field_errors(exc, "email"),
                           status=422)
    message = _("You are acting as %(email)s until %(time)s UTC. Everything you do is recorded as “%(admin)s as "
                "%(email)s”.") % {"email": started.user, "admin": principal.email,
                                  "time": started.expires_at.strftime("%H:%M")}
    return redirect(request, "/", ("success", message))


@post("/impersonation/end", name="accounts.impersonate_end")
async def impersonate_end(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                          principal: NamedDependency[Principal]) -> Response[Any]:
    """End the impersonation this browser runs, back to the admin's own account."""
    try:
        email = await ImpersonationService(db_session).end(principal)
    except Conflict as exc:
        return redirect(request, "/", ("error", exc.message))
    return redirect(request, PAGE, ("success", _("You are no longer acting as %(email)s.") % {"email": email}))


router = Router(path="/", route_handlers=[impersonate_page, impersonate_start, impersonate_end],
                guards=[requires_session], include_in_schema=False)
