"""The JSON API tests' world: acme's WEB project with a plan and a person in every role, and the helpers to call
the API as each of them and to prove that a refused request changed nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import pytest
from advanced_alchemy.base import metadata_registry
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanRevision
from app.domain.accounts.schemas import Principal, Scope
from app.domain.accounts.services import ApiKeyService, SessionService
from app.domain.orgs.services import OrgService
from app.domain.projects.permissions import ProjectRole
from app.domain.projects.services import PlanService, ProjectService
from app.server.auth import SESSION_COOKIE
from app.server.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.integration.conftest import PASSWORD, Client, World, make_user, plan_bytes

__all__ = ["JSON", "Caller", "Client", "Team", "fingerprint", "revision_count"]

JSON: Final = {"Content-Type": "application/json"}
# Columns that reading or authenticating may touch; a refused request may move them and still have changed nothing.
# (A revision's snapshot is left out too: its content_hash stands for it, at a fraction of the bytes.)
_SKIPPED: Final = frozenset({"updated_at", "last_used_at", "failed_login_count", "failed_login_window_start",
                             "snapshot"})


@dataclass(frozen=True)
class Caller:
    """Someone calling the API: ``principal`` is ``None`` for anonymous; ``role`` is their role in WEB."""

    name: str
    headers: dict[str, str]
    principal: Principal | None = None
    role: ProjectRole | None = None
    in_acme: bool = False


@dataclass
class Team:
    """World plus cody (Contributor), gus (acme member without a project role) and WEB's plan at revision 1."""

    world: World
    cody: Principal
    gus: Principal
    callers: dict[str, Caller] = field(default_factory=dict)
    spare_keys: dict[str, str] = field(default_factory=dict)


async def _session(db: AsyncSession, email: str, csrf: str) -> dict[str, str]:
    _, token = await SessionService(db).login(email, PASSWORD)
    return {"Cookie": f"{SESSION_COOKIE}={token}; {CSRF_COOKIE}={csrf}", CSRF_HEADER: csrf}


async def key_caller(db: AsyncSession, name: str, who: Principal, *scopes: Scope) -> Caller:
    """A caller with a new API key of alice (the PM) or anyone else, holding ``scopes``."""
    created = await ApiKeyService(db).create(who.user_id, name=name, scopes=list(scopes))
    principal = Principal(user_id=who.user_id, email=who.email, via="api_key", scopes=frozenset(scopes))
    return Caller(name, {"Authorization": f"Bearer {created.secret}"}, principal, "PM", in_acme=True)


@pytest.fixture
async def team(db: AsyncSession, world: World) -> Team:
    """World, cody the Contributor, gus (in acme, no project role) and WEB's plan at revision 1."""
    cody, gus = await make_user(db, "cody@example.com", "Cody"), await make_user(db, "gus@example.com", "Gus")
    for email in ("cody@example.com", "gus@example.com"):
        await OrgService(db).add_member(world.alice, "acme", email, "member")
    await ProjectService(db).set_member(world.alice, "WEB", "cody@example.com", "Contributor")
    await PlanService(db).save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    return Team(world, cody, gus)


@pytest.fixture
async def everyone(db: AsyncSession, team: Team, client: Client) -> Team:
    """The team signed in with sessions (anonymous, the other organization, each role), with a spare key each."""
    await client.get("/healthz")  # a safe request hands out a CSRF token; any valid token works for every session
    csrf = client.cookies.get(CSRF_COOKIE) or ""
    client.cookies.clear()
    world = team.world
    roles: dict[ProjectRole, Principal] = {"PM": world.alice, "TechLead": world.bob, "QA": world.carol,
                                           "Contributor": team.cody, "Viewer": world.dan}
    team.callers["anonymous"] = Caller("anonymous", {})
    team.callers["other-org"] = Caller("other-org", await _session(db, world.eve.email, csrf), world.eve)
    for role, person in roles.items():
        team.callers[role] = Caller(role, await _session(db, person.email, csrf), person, role, in_acme=True)
    for person in (*roles.values(), world.eve):
        spare = await ApiKeyService(db).create(person.user_id, name="spare", scopes=["plan:read"])
        team.spare_keys[person.email] = str(spare.info.id)
    return team


async def fingerprint(db: AsyncSession) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, without the columns that reads may touch: equal before and after means
    nothing changed."""
    await db.rollback()  # a fresh snapshot: the app wrote through its own connections
    dump: dict[str, list[tuple[Any, ...]]] = {}
    for name, table in sorted(metadata_registry.get(None).tables.items()):
        columns = [column for column in table.columns if column.name not in _SKIPPED]
        rows = await db.execute(select(*columns))
        dump[name] = sorted((tuple(map(repr, row)) for row in rows), key=repr)
    return dump


async def revision_count(db: AsyncSession) -> int:
    """How many plan revisions exist, all projects together."""
    await db.rollback()
    return len((await db.scalars(select(PlanRevision.id))).all())
