"""Sign-up, the "check your mail" page, email verification and resending the verification link."""

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
from app.domain.mail.web import mailbox_enabled
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import page, redirect

__all__ = ["check_mail", "resend_page", "resend_submit", "signup_page", "signup_submit", "verify"]


class SignupForm(msgspec.Struct):
    """The sign-up form; missing fields arrive empty and get a message."""

    email: str = ""
    name: str = ""
    password: str = ""


class ResendForm(msgspec.Struct):
    """Ask for a new verification link."""

    email: str = ""


SignupBody = Annotated[SignupForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
ResendBody = Annotated[ResendForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


def _signup(request: Request[Any, Any, Any], form: SignupForm, errors: FieldErrors, status: int = 200) -> Response[Any]:
    context = {"form": form, "errors": errors, "min_password": MIN_PASSWORD, "max_password": MAX_PASSWORD}
    return page(request, "accounts/signup.html.j2", context, block="signup_form", status_code=status)


@get("/signup", name="accounts.signup", include_in_schema=False)
async def signup_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """The sign-up form (a signed-in user goes to the dashboard)."""
    if request.scope.get("user") is not None:
        return redirect(request, "/")
    return _signup(request, SignupForm(), {})


@post("/signup", name="accounts.signup_submit", include_in_schema=False)
async def signup_submit(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                        data: SignupBody) -> Response[Any]:
    """Create an unverified account and mail the verification link; a problem shows the form again."""
    try:
        check_plain_text(data, "email", "name")
        user = await account_service(request, db_session).sign_up(data.email, data.password, data.name)
    except (ValidationFailed, Conflict) as exc:
        kept = SignupForm(email=keep(data.email, 320), name=keep(data.name, 200))
        return _signup(request, kept, field_errors(exc, "email"), exc.status)
    message = _("We sent a confirmation link to %(email)s. Open it to finish signing up.") % {"email": user.email}
    return redirect(request, "/check-mail", ("success", message))


@get("/check-mail", name="accounts.check_mail", include_in_schema=False)
async def check_mail(request: Request[Any, Any, Any]) -> Response[Any]:
    """Where sign-up, resend and password reset send people: what to do next."""
    context = {"mailbox": mailbox_enabled(request.app.state.settings)}
    return page(request, "accounts/check_mail.html.j2", context, block="next_steps")


@get("/verify", name="accounts.verify", include_in_schema=False)
async def verify(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                 token: FromQuery[str] = "") -> Response[Any]:
    """Consume a verification link: a confirmation page, or a page saying why it did not work (400)."""
    try:
        user = await account_service(request, db_session).verify_email(token)
    except ValidationFailed:
        return page(request, "accounts/verify.html.j2", {"verified": None}, block="outcome", status_code=400)
    return page(request, "accounts/verify.html.j2", {"verified": user.email}, block="outcome")


def _resend(request: Request[Any, Any, Any], email: str, errors: FieldErrors, status: int = 200) -> Response[Any]:
    context = {"form": ResendForm(email=email), "errors": errors}
    return page(request, "accounts/resend.html.j2", context, block="resend_form", status_code=status)


@get("/verify/resend", name="accounts.resend", include_in_schema=False)
async def resend_page(request: Request[Any, Any, Any], email: FromQuery[str] = "") -> Response[Any]:
    """The form asking for a new verification link (the email may be filled in from the sign-in page)."""
    return _resend(request, keep(email, 320), {})


@post("/verify/resend", name="accounts.resend_submit", include_in_schema=False)
async def resend_submit(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                        data: ResendBody) -> Response[Any]:
    """Mail a new link when the account needs one; the answer is the same either way."""
    try:
        check_plain_text(data, "email")
        await account_service(request, db_session).resend_verification(data.email)
    except ValidationFailed as exc:
        return _resend(request, keep(data.email, 320), field_errors(exc, "email"), exc.status)
    message = _("If %(email)s has an account waiting for confirmation, a new link is on its way.") % {
        "email": data.email.strip()}
    return redirect(request, "/check-mail", ("info", message))
