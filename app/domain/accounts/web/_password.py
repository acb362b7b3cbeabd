"""Password reset: ask for a link (the same answer whether the account exists or not), then choose a new one."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import MAX_PASSWORD, MIN_PASSWORD
from app.domain.accounts.web._support import FieldErrors, account_service, check_plain_text, field_errors, keep
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.server.auth import session_cookie
from app.server.web import page, redirect

__all__ = ["forgot_page", "forgot_submit", "reset_page", "reset_submit"]


class ForgotForm(msgspec.Struct):
    """Ask for a reset link."""

    email: str = ""


class ResetForm(msgspec.Struct):
    """A new password, typed twice, and the token from the mailed link."""

    token: str = ""
    password: str = ""
    password_confirm: str = ""


ForgotBody = Annotated[ForgotForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
ResetBody = Annotated[ResetForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


def _forgot(request: Request[Any, Any, Any], email: str, errors: FieldErrors, status: int = 200) -> Response[Any]:
    context = {"form": ForgotForm(email=email), "errors": errors}
    return page(request, "accounts/forgot.html.j2", context, block="forgot_form", status_code=status)


@get("/password/forgot", name="accounts.forgot", include_in_schema=False)
async def forgot_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The form asking for a reset link."""
    return _forgot(request, "", {})


@post("/password/forgot", name="accounts.forgot_submit", include_in_schema=False)
async def forgot_submit(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                        data: ForgotBody) -> Response[Any]:
    """Mail a reset link when the account exists; the answer never says whether it does."""
    try:
        check_plain_text(data, "email")
        await account_service(request, db_session).request_password_reset(data.email)
    except ValidationFailed as exc:
        return _forgot(request, keep(data.email, 320), field_errors(exc, "email"), exc.status)
    message = _("If %(email)s has an account, we sent it a link to choose a new password. "
                "The link works for an hour.") % {"email": data.email.strip()}
    return redirect(request, "/check-mail", ("info", message))


def _reset(request: Request[Any, Any, Any], token: str, errors: FieldErrors, *, usable: bool = True,
           status: int = 200) -> Response[Any]:
    context = {"token": token, "usable": usable, "errors": errors,
               "min_password": MIN_PASSWORD, "max_password": MAX_PASSWORD}
    return page(request, "accounts/reset.html.j2", context, block="reset_form", status_code=status)


# The service mails links to /reset; /password/reset is the page's own address.
@get(["/password/reset", "/reset"], name="accounts.reset", include_in_schema=False)
async def reset_page(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                     token: FromQuery[str] = "") -> Response[Any]:
    """The new-password form, or a page saying the link cannot be used (400)."""
    usable = await account_service(request, db_session).reset_token_usable(token)
    return _reset(request, token if usable else "", {}, usable=usable, status=200 if usable else 400)


@post("/password/reset", name="accounts.reset_submit", include_in_schema=False)
async def reset_submit(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                       data: ResetBody) -> Response[Any]:
    """Set the new password, which ends every session of the account, and send the person to sign in."""
    try:
        if data.password != data.password_confirm:
            raise ValidationFailed("password_confirm", _("type the same new password in both fields"))
        await account_service(request, db_session).reset_password(data.token, data.password)
    except ValidationFailed as exc:
        usable = exc.field != "token"
        return _reset(request, data.token if usable else "", field_errors(exc, "password"), usable=usable,
                      status=exc.status if usable else 400)
    response = redirect(request, "/login", ("success", _(
        "Your password is changed and every session of your account was ended. Sign in with the new password.")))
    response.cookies.append(session_cookie("", request.app.state.settings))
    return response
