"""Account pages: sign in/out, sign-up, verification, resending the link, password reset, and the whole journey."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import OutboxMail, User
from app.domain.accounts.services import AccountService, SessionService
from app.domain.mail.services import MailService
from app.server.auth import SESSION_COOKIE
from tests.integration.conftest import PASSWORD
from tests.integration.web.conftest import HX, Client, World, csrf, sign_in

NEW_PASSWORD = "a brand new passphrase"


async def submit(client: httpx.AsyncClient, url: str, data: dict[str, Any]) -> httpx.Response:
    """Post a form the way a browser does, with the CSRF token, without following the redirect."""
    return await client.post(url, data={**data, "_csrf_token": await csrf(client)}, follow_redirects=False)


def assert_fragment(response: httpx.Response, *texts: str) -> None:
    assert "<html" not in response.text and "<main" not in response.text
    assert response.headers["vary"] == "HX-Request"
    for text in texts:
        assert text in response.text


def assert_page(response: httpx.Response, status: int, h1: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["vary"] == "HX-Request"
    assert '<html lang="en">' in response.text and response.text.count("<h1") == 1 and f"<h1>{h1}</h1>" in response.text


async def count(db: AsyncSession, model: Any) -> int:
    db.expire_all()
    return int(await db.scalar(select(func.count()).select_from(model)) or 0)


async def last_link(db: AsyncSession, email: str) -> str:
    """The path and query of the link in the newest mail to ``email``."""
    [mail, *_] = await MailService(db).mailbox(email)
    url = re.search(r"https?://\S+", mail.body)
    assert url is not None
    parts = urlsplit(url.group(0))
    return f"{parts.path}?{parts.query}"


# --- sign in and out -----------------------------------------------------------------------------------------

async def test_login_page_full_and_fragment(client: Client) -> None:
    full = await client.get("/login?next=/orgs")
    assert_page(full, 200, "Sign in")
    assert 'name="next" value="/orgs"' in full.text and 'autocomplete="current-password"' in full.text
    assert_fragment(await client.get("/login", headers=HX), 'id="login-form"')


async def test_login_refuses_a_wrong_password_and_an_unverified_account(client: Client, db: AsyncSession,
                                                                        world: World) -> None:
    wrong = await submit(client, "/login", {"email": "alice@example.com", "password": "nope"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text and 'aria-invalid="true"' in wrong.text
    assert "the email or password is wrong" in wrong.text and SESSION_COOKIE not in wrong.cookies
    await AccountService(db, MailService(db)).sign_up("new@example.com", PASSWORD)
    unverified = await submit(client, "/login", {"email": "new@example.com", "password": PASSWORD})
    assert unverified.status_code == 403 and "confirm your email address first" in unverified.text
    assert "/verify/resend?email=new%40example.com" in unverified.text
    fragment = await client.post("/login", data={"email": "x@example.com", "password": "y",
                                                 "_csrf_token": await csrf(client)}, headers=HX)
    assert_fragment(fragment, 'id="login-form"')


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "/ok\x00"])
async def test_login_never_redirects_off_site(client: Client, world: World, target: str) -> None:
    response = await submit(client, "/login", {"email": "alice@example.com", "password": PASSWORD, "next": target})
    assert response.status_code == 303 and response.headers["location"] == "/"


async def test_login_and_logout(client: Client, db: AsyncSession, world: World) -> None:
    signed_in = await submit(client, "/login", {"email": "Alice@Example.com", "password": PASSWORD, "next": "/orgs"})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/orgs"
    assert (await client.get("/orgs")).status_code == 200
    out = await submit(client, "/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert (await client.get("/orgs", follow_redirects=False)).status_code == 303


# --- sign-up ---------------------------------------------------------------------------------------------------

async def test_signup_page_full_and_fragment(client: Client) -> None:
    full = await client.get("/signup")
    assert_page(full, 200, "Create an account")
    assert "At least 10 and at most 1024 characters" in full.text
    assert 'aria-describedby="password-hint"' in full.text and 'autocomplete="new-password"' in full.text
    assert_fragment(await client.get("/signup", headers=HX), 'id="signup-form"')


async def test_signup_mails_a_link_and_sends_to_check_mail(client: Client, db: AsyncSession) -> None:
    response = await submit(client, "/signup", {"email": "New@Example.com", "name": "Zoë", "password": PASSWORD})
    assert response.status_code == 303 and response.headers["location"] == "/check-mail"
    user = await db.scalar(select(User).where(User.email == "new@example.com"))
    assert user is not None and user.verified_at is None and user.name == "Zoë"
    assert (await last_link(db, "new@example.com")).startswith("/verify?token=")
    page = await client.get("/check-mail")
    assert_page(page, 200, "Check your mail")
    assert "We sent a confirmation link to new@example.com" in page.text and 'href="/dev/mailbox"' in page.text
    assert_fragment(await client.get("/check-mail", headers=HX), 'id="next-steps"')


@pytest.mark.parametrize(("form", "field", "message"), [
    ({"email": "", "password": PASSWORD}, "email", "enter an email address"),
    ({"email": "not-an-email", "password": PASSWORD}, "email", "enter an email address"),
    ({"email": "a\x00b@example.com", "password": PASSWORD}, "email", "control characters"),
    ({"email": "x" * 400 + "@example.com", "password": PASSWORD}, "email", "enter an email address"),
    ({"email": "ann@example.com", "password": ""}, "password", "use at least 10 characters"),
    ({"email": "ann@example.com", "password": "short"}, "password", "use at least 10 characters"),
    ({"email": "ann@example.com", "password": "p" * 2000}, "password", "at most 1024 characters"),
    ({"email": "ann@example.com", "password": PASSWORD + "\x00"}, "password", "without NUL"),
    ({"email": "ann@example.com", "password": PASSWORD, "name": "n" * 201}, "name", "at most 200 characters"),
    ({"email": "ann@example.com", "password": PASSWORD, "name": "a\x00"}, "name", "control characters"),
])
async def test_signup_bad_input_is_shown_inline_and_changes_nothing(
        client: Client, db: AsyncSession, form: dict[str, str], field: str, message: str) -> None:
    response = await submit(client, "/signup", form)
    assert response.status_code == 422, response.text
    assert message in response.text and 'role="alert"' in response.text
    assert f'id="{field}-error"' in response.text and f'href="#{field}"' in response.text
    assert (await count(db, User), await count(db, OutboxMail)) == (0, 0)
    assert "\x00" not in response.text


async def test_signup_taken_email_and_wrong_types(client: Client, db: AsyncSession, world: World) -> None:
    taken = await submit(client, "/signup", {"email": "alice@example.com", "password": PASSWORD})
    assert taken.status_code == 409 and "already exists" in taken.text
    doubled = await client.post("/signup", content=f"email=a@example.com&email=b@example.com&password={PASSWORD}"
                                f"&_csrf_token={await csrf(client)}",
                                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert doubled.status_code == 400 and "email" in doubled.text and "Traceback" not in doubled.text
    assert await count(db, User) == 5


async def test_post_without_csrf_token_is_refused(client: Client, db: AsyncSession) -> None:
    response = await client.post("/signup", data={"email": "ann@example.com", "password": PASSWORD})
    assert response.status_code == 403
    assert await count(db, User) == 0


# --- verification ----------------------------------------------------------------------------------------------

async def test_verify_link_works_once(client: Client, db: AsyncSession) -> None:
    await submit(client, "/signup", {"email": "ann@example.com", "password": PASSWORD})
    link = await last_link(db, "ann@example.com")
    fragment = await client.get(link, headers=HX)
    assert fragment.status_code == 200
    assert_fragment(fragment, "Email confirmed", "ann@example.com")
    again = await client.get(link)
    assert_page(again, 400, "This link does not work")
    assert_page(await client.get("/verify?token=%00nonsense"), 400, "This link does not work")
    assert_page(await client.get("/verify"), 400, "This link does not work")


async def test_resend_page_and_submit(client: Client, db: AsyncSession, world: World) -> None:
    full = await client.get("/verify/resend?email=ann@example.com")
    assert_page(full, 200, "Resend the confirmation link")
    assert 'value="ann@example.com"' in full.text
    assert_fragment(await client.get("/verify/resend", headers=HX), 'id="resend-form"')
    await AccountService(db, MailService(db)).sign_up("ann@example.com", PASSWORD)
    answers = [await submit(client, "/verify/resend", {"email": email})
               for email in ("ann@example.com", "nobody@example.com", "alice@example.com", "ann@example.com")]
    assert {(r.status_code, r.headers["location"]) for r in answers} == {(303, "/check-mail")}
    # Sign-up mailed one; the first resend comes within the minute, so it is held back too: no flooding.
    assert await count(db, OutboxMail) == 1
    bad = await submit(client, "/verify/resend", {"email": "nope\x00"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    assert_fragment(await client.post("/verify/resend", data={"email": "x", "_csrf_token": await csrf(client)},
                                      headers=HX), 'id="resend-form"', "email-error")


# --- password reset --------------------------------------------------------------------------------------------

async def test_forgot_page_answers_the_same_whether_the_account_exists(client: Client, db: AsyncSession,
                                                                      world: World) -> None:
    assert_page(await client.get("/password/forgot"), 200, "Forgot your password?")
    assert_fragment(await client.get("/password/forgot", headers=HX), 'id="forgot-form"')
    answers = []
    for email in ("alice@example.com", "nobody@example.com"):
        posted = await submit(client, "/password/forgot", {"email": email})
        flash = (await client.get("/check-mail")).text
        assert f"If {email} has an account, we sent it a link" in flash
        answers.append((posted.status_code, posted.headers["location"], flash.replace(email, "")))
    assert answers[0] == answers[1]
    assert await count(db, OutboxMail) == 1
    bad = await submit(client, "/password/forgot", {"email": ""})
    assert bad.status_code == 422 and "enter an email address" in bad.text


async def test_reset_password_ends_sessions_and_works_once(client: Client, db: AsyncSession, world: World) -> None:
    _, old_session = await SessionService(db).login("alice@example.com", PASSWORD)
    await AccountService(db, MailService(db)).request_password_reset("alice@example.com")
    link = await last_link(db, "alice@example.com")
    assert link.startswith("/reset?token=")
    token = link.split("token=", 1)[1]
    form = await client.get(f"/password/reset?token={token}")
    assert_page(form, 200, "Choose a new password")
    assert 'autocomplete="new-password"' in form.text and token in form.text
    assert_fragment(await client.get(link, headers=HX), 'id="reset-form"')
    mismatch = await submit(client, "/password/reset", {"token": token, "password": NEW_PASSWORD,
                                                        "password_confirm": "something else"})
    assert mismatch.status_code == 422 and 'id="password_confirm-error"' in mismatch.text
    short = await submit(client, "/password/reset", {"token": token, "password": "x", "password_confirm": "x"})
    assert short.status_code == 422 and "use at least 10 characters" in short.text
    done = await submit(client, "/password/reset", {"token": token, "password": NEW_PASSWORD,
                                                    "password_confirm": NEW_PASSWORD})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert await SessionService(db).resolve(old_session) is None
    assert (await SessionService(db).login("alice@example.com", NEW_PASSWORD))[1]
    reused = await submit(client, "/password/reset", {"token": token, "password": NEW_PASSWORD,
                                                      "password_confirm": NEW_PASSWORD})
    assert reused.status_code == 400 and "This password link is unknown" in reused.text
    assert_page(await client.get(f"/password/reset?token={token}"), 400, "Choose a new password")


# --- the journey -----------------------------------------------------------------------------------------------

async def test_sign_up_mailbox_verify_sign_in_journey(local_client: httpx.AsyncClient) -> None:
    signed_up = await submit(local_client, "/signup", {"email": "journey@example.com", "name": "J",
                                                       "password": PASSWORD})
    assert signed_up.headers["location"] == "/check-mail"
    too_early = await submit(local_client, "/login", {"email": "journey@example.com", "password": PASSWORD})
    assert too_early.status_code == 403
    mailbox = await local_client.get("/dev/mailbox")
    assert mailbox.status_code == 200 and "journey@example.com" in mailbox.text
    href = re.search(r'<a href="(http://127\.0\.0\.1:8000/verify\?token=[^"]+)">', mailbox.text)
    assert href is not None
    verified = await local_client.get(href.group(1).replace("&amp;", "&"))
    assert verified.status_code == 200 and "Email confirmed" in verified.text
    signed_in = await submit(local_client, "/login", {"email": "journey@example.com", "password": PASSWORD})
    assert signed_in.status_code == 303 and local_client.cookies.get(SESSION_COOKIE)


async def test_signed_in_user_skips_login_and_signup(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    assert (await client.get("/login?next=/orgs", follow_redirects=False)).headers["location"] == "/orgs"
    assert (await client.get("/signup", follow_redirects=False)).headers["location"] == "/"
