"""Impersonation against SQLite and PostgreSQL: who may act as whom, for how long, and what the ledger says."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditEntry, Impersonation, User
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import AccountService, ImpersonationService, SessionService
from app.domain.audit.services import actor_label
from app.domain.mail.services import MailService
from app.lib import clock
from app.lib.errors import Conflict, PermissionDenied, ValidationFailed
from tests.integration.conftest import PASSWORD, World

REASON = "Support ticket 4711: cannot see project WEB"


@pytest.fixture
def now() -> Iterator[list[datetime]]:
    """A clock the test moves by hand (``now[0]``)."""
    holder = [datetime(2030, 1, 1, 12, 0, tzinfo=UTC)]
    clock.set_clock(lambda: holder[0])
    yield holder
    clock.set_clock(None)


async def _admin(db: AsyncSession, email: str = "gina@example.com") -> tuple[Principal, str]:
    """A GlobalAdmin signed in: her session principal and token."""
    await AccountService(db, MailService(db)).create_user(email, PASSWORD, "Gina", verified=True,
                                                          global_role="GlobalAdmin")
    await db.commit()
    return await SessionService(db).login(email, PASSWORD)


async def _ledger(db: AsyncSession) -> list[tuple[str, str, str]]:
    rows = await db.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.target)
                            .where(AuditEntry.action.startswith("admin.")).order_by(AuditEntry.seq))
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def test_an_admin_acts_as_a_user_until_she_stops(db: AsyncSession, world: World, now: list[datetime]) -> None:
    gina, token = await _admin(db)
    started = await ImpersonationService(db).start(gina, " Bob@Example.com ", f"  {REASON} ", 30)
    assert (started.admin, started.user, started.reason) == ("gina@example.com", "bob@example.com", REASON)
    assert started.expires_at == now[0] + timedelta(minutes=30)

    acting = await SessionService(db).resolve(token)
    assert acting is not None and acting.user_id == world.bob.user_id and acting.global_role is None
    assert (acting.impersonator, acting.impersonation_ends_at) == ("gina@example.com", started.expires_at)
    assert actor_label(acting) == "gina@example.com as bob@example.com"  # what every action meanwhile records

    assert await ImpersonationService(db).end(acting) == "bob@example.com"
    back = await SessionService(db).resolve(token)
    assert back is not None and back.user_id == gina.user_id and back.impersonator is None
    assert await _ledger(db) == [("gina@example.com", "admin.impersonate", "bob@example.com"),
                                 ("gina@example.com as bob@example.com", "admin.impersonate_end", "bob@example.com")]
    payload = await db.scalar(select(AuditEntry.payload).where(AuditEntry.action == "admin.impersonate"))
    assert payload == f'{{"minutes":30,"reason":"{REASON}","until":"2030-01-01T12:30:00+00:00"}}'
    with pytest.raises(Conflict, match="not acting"):
        await ImpersonationService(db).end(acting)


async def test_it_ends_with_its_time_and_with_the_admin_role(db: AsyncSession, world: World,
                                                             now: list[datetime]) -> None:
    gina, token = await _admin(db)
    await ImpersonationService(db).start(gina, "bob@example.com", REASON, 5)
    now[0] += timedelta(minutes=5)
    expired = await SessionService(db).resolve(token)
    assert expired is not None and (expired.email, expired.impersonator) == ("gina@example.com", None)

    await ImpersonationService(db).start(gina, "carol@example.com", REASON, 60)
    acting = await SessionService(db).resolve(token)
    assert acting is not None and acting.email == "carol@example.com"
    user = await db.scalar(select(User).where(User.email == "gina@example.com"))
    assert user is not None
    user.global_role = None  # demoted meanwhile: the impersonation stops with the role
    await db.commit()
    demoted = await SessionService(db).resolve(token)
    assert demoted is not None and (demoted.email, demoted.impersonator) == ("gina@example.com", None)


async def test_an_ended_session_ends_the_impersonation(db: AsyncSession, world: World) -> None:
    gina, token = await _admin(db)
    await ImpersonationService(db).start(gina, "bob@example.com", REASON, 30)
    await SessionService(db).logout(token)
    assert await SessionService(db).resolve(token) is None


@pytest.mark.parametrize(("email", "reason", "minutes", "field", "message"), [
    ("nobody@example.com", REASON, 30, "email", "no account has this email"),
    ("not an email", REASON, 30, "email", ""),
    ("gina@example.com", REASON, 30, "email", "your own account"),
    ("hank@example.com", REASON, 30, "email", "GlobalAdmin cannot be impersonated"),
    ("bob@example.com", "  short  ", 30, "reason", "10 to 400 characters"),
    ("bob@example.com", "x" * 401, 30, "reason", "10 to 400 characters"),
    ("bob@example.com", f"{REASON}\x00\x07", 30, "reason", "control characters"),
    ("bob@example.com", REASON, 0, "minutes", "from 1 to 60"),
    ("bob@example.com", REASON, 61, "minutes", "from 1 to 60"),
])
async def test_bad_requests_name_the_field_and_change_nothing(db: AsyncSession, world: World, email: str,
                                                              reason: str, minutes: int, field: str,
                                                              message: str) -> None:
    gina, _token = await _admin(db)
    await _admin(db, "hank@example.com")
    before = await _ledger(db)
    with pytest.raises(ValidationFailed) as refused:
        await ImpersonationService(db).start(gina, email, reason, minutes)
    assert refused.value.field == field and message in refused.value.detail
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(Impersonation)) == 0
    assert await _ledger(db) == before


async def test_only_a_global_admin_in_a_browser_may_and_never_twice(db: AsyncSession, world: World) -> None:
    gina, token = await _admin(db)
    bob, _bob_token = await SessionService(db).login("bob@example.com", PASSWORD)
    service = ImpersonationService(db)
    other_admins: list[tuple[Any, str]] = [
        (bob, "only a GlobalAdmin"),  # a member, even a TechLead
        (Principal(user_id=gina.user_id, email=gina.email, global_role="GlobalAdmin", via="api_key",
                   credential_id=gina.credential_id), "signed-in browser"),
    ]
    for caller, message in other_admins:
        with pytest.raises(PermissionDenied, match=message):
            await service.start(caller, "carol@example.com", REASON, 10)
    with pytest.raises(PermissionDenied):
        await service.recent(bob)
    await service.start(gina, "bob@example.com", REASON, 10)
    acting = await SessionService(db).resolve(token)
    assert acting is not None
    with pytest.raises(Conflict, match=r"already acting as bob@example\.com"):
        await service.start(acting, "carol@example.com", REASON, 10)
    [listed] = await service.recent(gina)
    assert (listed.admin, listed.user, listed.reason, listed.ended_at) == ("gina@example.com", "bob@example.com",
                                                                           REASON, None)


async def test_ending_ends_every_start_that_raced_in_the_session(db: AsyncSession, world: World) -> None:
    """Two starts sent at once from one session (both checked before either committed): the newest is the one in
    force, and the button ends both."""
    gina, token = await _admin(db)
    await ImpersonationService(db).start(gina, "bob@example.com", REASON, 30)
    await ImpersonationService(db).start(gina, "carol@example.com", REASON, 30)
    acting = await SessionService(db).resolve(token)
    assert acting is not None and acting.email == "carol@example.com"
    await ImpersonationService(db).end(acting)
    back = await SessionService(db).resolve(token)
    assert back is not None and (back.email, back.impersonator) == ("gina@example.com", None)
    assert await db.scalar(select(func.count()).select_from(Impersonation).where(Impersonation.ended_at.is_(None))) == 0
