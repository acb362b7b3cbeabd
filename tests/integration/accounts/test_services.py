"""Account services against SQLite and PostgreSQL: sign-up, verification, login, sessions, reset, API keys."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import User, UserSession
from app.domain.accounts.services import LOGIN_LIMIT, AccountService, ApiKeyService, SessionService
from app.domain.mail.services import MailService
from app.lib import clock
from app.lib.errors import Conflict, NotFound, RateLimited, Unauthorized, ValidationFailed
from tests.integration.conftest import PASSWORD, make_user


@pytest.fixture
def accounts(db: AsyncSession) -> AccountService:
    return AccountService(db, MailService(db), base_url="https://br.example")


@pytest.fixture
def frozen() -> object:
    """A clock the test moves by hand."""

    class Frozen:
        now = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)

        def advance(self, **delta: float) -> None:
            self.now += timedelta(**delta)

    holder = Frozen()
    clock.set_clock(lambda: holder.now)
    yield holder
    clock.set_clock(None)


async def _token_from_mail(db: AsyncSession, email: str, path: str) -> str:
    mail = (await MailService(db).mailbox(email))[0]
    match = re.search(rf"https://br\.example/{path}\?token=(\S+)", mail.body)
    assert match, mail.body
    return match.group(1)


async def test_sign_up_mails_a_verification_link_that_works_once(db: AsyncSession, accounts: AccountService) -> None:
    user = await accounts.sign_up("  Ada@Example.COM ", "a long password", "Ada")
    assert user.email == "ada@example.com"
    assert user.verified_at is None
    assert user.password_hash.startswith("$argon2id$")
    token = await _token_from_mail(db, "ada@example.com", "verify")
    verified = await accounts.verify_email(token)
    assert verified.verified_at is not None
    with pytest.raises(ValidationFailed, match="invalid, used or expired"):
        await accounts.verify_email(token)


async def test_sign_up_rejects_taken_email_and_bad_input(accounts: AccountService) -> None:
    await accounts.sign_up("ada@example.com", "a long password")
    with pytest.raises(Conflict):
        await accounts.sign_up("ADA@example.com", "another long one")
    with pytest.raises(ValidationFailed) as bad_email:
        await accounts.sign_up("not-an-email", "a long password")
    assert bad_email.value.field == "email"
    with pytest.raises(ValidationFailed) as short:
        await accounts.sign_up("bo@example.com", "short")
    assert short.value.field == "password"


async def test_verification_token_expires(db: AsyncSession, accounts: AccountService, frozen: object) -> None:
    await accounts.sign_up("ada@example.com", "a long password")
    token = await _token_from_mail(db, "ada@example.com", "verify")
    frozen.advance(days=4)  # type: ignore[attr-defined]
    with pytest.raises(ValidationFailed):
        await accounts.verify_email(token)


async def test_login_opens_a_new_session_each_time_and_logout_ends_it(db: AsyncSession) -> None:
    await make_user(db, "ada@example.com")
    sessions = SessionService(db)
    principal, first = await sessions.login("ADA@example.com", PASSWORD, "pytest")
    _, second = await sessions.login("ada@example.com", PASSWORD)
    assert first != second
    assert principal.via == "session"
    resolved = await sessions.resolve(first)
    assert resolved is not None and resolved.email == "ada@example.com"
    await sessions.logout(first)
    assert await sessions.resolve(first) is None
    assert await sessions.resolve(second) is not None
    stored = (await db.scalars(select(UserSession.token_hash))).all()
    assert first not in stored  # only hashes are stored


async def test_session_expires(db: AsyncSession, frozen: object) -> None:
    await make_user(db, "ada@example.com")
    sessions = SessionService(db)
    _, token = await sessions.login("ada@example.com", PASSWORD)
    frozen.advance(days=15)  # type: ignore[attr-defined]
    assert await sessions.resolve(token) is None


async def test_wrong_password_and_unknown_email_get_the_same_answer(db: AsyncSession) -> None:
    await make_user(db, "ada@example.com")
    sessions = SessionService(db)
    with pytest.raises(Unauthorized) as wrong:
        await sessions.login("ada@example.com", "wrong password")
    with pytest.raises(Unauthorized) as unknown:
        await sessions.login("nobody@example.com", "wrong password")
    assert wrong.value.message == unknown.value.message


async def test_login_is_limited_to_ten_failures_per_fifteen_minutes(db: AsyncSession, frozen: object) -> None:
    await make_user(db, "ada@example.com")
    sessions = SessionService(db)
    for _ in range(LOGIN_LIMIT):
        with pytest.raises(Unauthorized):
            await sessions.login("ada@example.com", "wrong password")
    with pytest.raises(RateLimited) as limited:
        await sessions.login("ada@example.com", PASSWORD)  # even the right password waits
    assert 0 < limited.value.retry_after <= 15 * 60
    frozen.advance(minutes=15)  # type: ignore[attr-defined]
    principal, _ = await sessions.login("ada@example.com", PASSWORD)
    assert principal.email == "ada@example.com"
    user = await db.scalar(select(User).where(User.email == "ada@example.com"))
    assert user is not None and user.failed_login_count == 0


async def test_password_reset_sets_the_password_and_ends_sessions(db: AsyncSession, accounts: AccountService) -> None:
    await make_user(db, "ada@example.com")
    sessions = SessionService(db)
    _, token = await sessions.login("ada@example.com", PASSWORD)
    await accounts.request_password_reset("nobody@example.com")  # silently nothing
    await accounts.request_password_reset("ada@example.com")
    reset = await _token_from_mail(db, "ada@example.com", "reset")
    await accounts.reset_password(reset, "a brand new password")
    assert await sessions.resolve(token) is None
    with pytest.raises(Unauthorized):
        await sessions.login("ada@example.com", PASSWORD)
    await sessions.login("ada@example.com", "a brand new password")
    with pytest.raises(ValidationFailed):
        await accounts.reset_password(reset, "yet another password")


async def test_api_key_is_shown_once_and_resolves_with_its_scopes(db: AsyncSession) -> None:
    ada = await make_user(db, "ada@example.com")
    keys = ApiKeyService(db)
    created = await keys.create(ada.user_id, name="ci", scopes=["plan:read", "plan:read"])
    assert created.secret.startswith(created.info.prefix + "_")
    assert re.fullmatch(r"br_[0-9a-f]{8}", created.info.prefix)
    assert created.info.scopes == ["plan:read"]
    principal = await keys.authenticate(created.secret)
    assert principal.via == "api_key"
    assert principal.has_scope("plan:read") and not principal.has_scope("plan:write")
    listed = await keys.list_for_user(ada.user_id)
    assert listed[0].last_used_at is not None
    assert not hasattr(listed[0], "secret")


async def test_api_key_rejects_unknown_scopes_revoked_and_expired(db: AsyncSession, frozen: object) -> None:
    ada = await make_user(db, "ada@example.com")
    keys = ApiKeyService(db)
    with pytest.raises(ValidationFailed) as bad:
        await keys.create(ada.user_id, name="x", scopes=["plan:delete"])
    assert bad.value.field == "scopes"
    expiring = await keys.create(ada.user_id, name="short", scopes=["admin"],
                                 expires_at=clock.now() + timedelta(days=1))
    revoked = await keys.create(ada.user_id, name="gone", scopes=["plan:write"])
    await keys.revoke(ada.user_id, revoked.info.id)
    with pytest.raises(Unauthorized, match="revoked"):
        await keys.authenticate(revoked.secret)
    assert (await keys.authenticate(expiring.secret)).has_scope("plan:write")  # admin covers every scope
    frozen.advance(days=2)  # type: ignore[attr-defined]
    with pytest.raises(Unauthorized, match="expired"):
        await keys.authenticate(expiring.secret)
    with pytest.raises(Unauthorized):
        await keys.authenticate("br_00000000_not-a-key")
    other = await make_user(db, "bo@example.com")
    with pytest.raises(NotFound):
        await keys.revoke(other.user_id, expiring.info.id)
