"""Organization, project and plan services against SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanItem
from app.domain.accounts.services import ApiKeyService
from app.domain.orgs.services import OrgService
from app.domain.projects.services import PlanService, ProjectService
from app.lib.errors import Conflict, NotFound, PermissionDenied, PreconditionFailed, ValidationFailed
from tests.integration.conftest import SYSTEM, World, make_user, plan_bytes


async def test_orgs_are_listed_per_member_and_hidden_from_others(db: AsyncSession, world: World) -> None:
    orgs = OrgService(db)
    assert [(org.slug, role) for org, role in await orgs.list_for(world.alice)] == [("acme", "owner")]
    assert [(org.slug, role) for org, role in await orgs.list_for(world.bob)] == [("acme", "member")]
    with pytest.raises(NotFound):
        await orgs.get(world.eve, "acme")
    with pytest.raises(Conflict):
        await orgs.create(world.eve, "ACME", "Another")
    with pytest.raises(ValidationFailed):
        await orgs.create(world.eve, "-bad slug", "Bad")
    with pytest.raises(PermissionDenied):
        await orgs.add_member(world.bob, "acme", "eve@example.com", "member")
    members = await orgs.members(world.alice, "acme")
    assert [user.email for user, _ in members][:2] == ["alice@example.com", "bob@example.com"]


async def test_create_and_list_projects_with_progress(db: AsyncSession, world: World) -> None:
    projects, plans = ProjectService(db), PlanService(db)
    await plans.save(world.alice, "web", plan_bytes(), expected_revision=0)
    await projects.create(world.bob, "acme", "api", "Public API")
    listed = await projects.list_for_org(world.alice, "acme")
    assert [(p.key, p.role) for p in listed] == [("API", "PM"), ("WEB", "PM")]  # owner runs every project
    web = listed[1]
    assert (web.progress.total, web.progress.done, web.progress.percent) == (30, 6, 20)
    assert [(p.key, p.role) for p in await projects.list_for_org(world.dan, "acme")] == [
        ("API", "Viewer"), ("WEB", "Viewer")]
    with pytest.raises(Conflict):
        await projects.create(world.alice, "acme", "WEB", "Again")
    with pytest.raises(ValidationFailed) as bad:
        await projects.create(world.alice, "acme", "9lives", "Bad key")
    assert bad.value.field == "key"


async def test_another_organizations_project_is_not_found_never_forbidden(db: AsyncSession, world: World) -> None:
    projects, plans = ProjectService(db), PlanService(db)
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    for call in (projects.get(world.eve, "WEB"), plans.get_plan(world.eve, "WEB"),
                 plans.set_status(world.eve, "WEB", "ms-111", "done")):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(NotFound):
        await projects.list_for_org(world.eve, "acme")


async def test_roles_and_key_scopes_are_enforced(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    await plans.save(world.bob, "WEB", plan_bytes(), expected_revision=0)  # TechLead edits
    with pytest.raises(PermissionDenied):
        await plans.save(world.carol, "WEB", plan_bytes(extra=1), expected_revision=1)  # QA cannot edit
    with pytest.raises(PermissionDenied):
        await plans.set_status(world.dan, "WEB", "ms-113", "in_progress")  # Viewer cannot change status
    await plans.set_status(world.carol, "WEB", "ms-134", "in_progress")
    keys = ApiKeyService(db)
    read_only = await keys.authenticate((await keys.create(world.bob.user_id, name="r", scopes=["plan:read"])).secret)
    assert (await plans.get_plan(read_only, "WEB")).info.number == 2
    with pytest.raises(PermissionDenied):
        await plans.set_status(read_only, "WEB", "ms-134", "review")


async def test_invalid_plan_is_refused_with_findings_and_changes_nothing(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    bad = json.loads(plan_bytes())
    bad["milestones"][0]["steps"][0]["microsteps"][1]["id"] = "ms-111"  # duplicate id
    with pytest.raises(ValidationFailed) as refused:
        await plans.save(world.alice, "WEB", json.dumps(bad).encode(), expected_revision=0)
    assert refused.value.field == "plan"
    assert [finding["code"] for finding in refused.value.errors] == ["BR004"]
    assert refused.value.errors[0]["line"] > 0
    with pytest.raises(ValidationFailed):
        await plans.save(world.alice, "WEB", b"{not json", expected_revision=0)
    with pytest.raises(NotFound, match="no plan yet"):
        await plans.get_plan(world.alice, "WEB")


async def test_revisions_are_numbered_hashed_and_stale_writes_fail(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    first = await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0, message="first upload")
    assert (first.number, first.author, first.message) == (1, "alice@example.com", "first upload")
    same = await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=1)
    assert same.number == 1  # unchanged content makes no new revision
    second = await plans.save(world.alice, "WEB", plan_bytes(note="x"), expected_revision=1)
    assert second.number == 2 and second.content_hash != first.content_hash
    with pytest.raises(PreconditionFailed) as stale:
        await plans.save(world.alice, "WEB", plan_bytes(note="y"), expected_revision=1)
    assert stale.value.current == 2
    assert [r.number for r in await plans.list_revisions(world.alice, "WEB")] == [2, 1]
    assert (await plans.get_revision(world.alice, "WEB", 1)).content == plan_bytes()
    with pytest.raises(NotFound):
        await plans.get_revision(world.alice, "WEB", 3)


async def test_status_change_keeps_unknown_fields_and_rematerializes(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    raw = json.loads(plan_bytes(x_vendor={"keep": True}))
    raw["milestones"][0]["steps"][1]["microsteps"][2]["x_custom"] = [1, 2, 3]
    await plans.save(world.alice, "WEB", json.dumps(raw).encode(), expected_revision=0)
    revision = await plans.set_status(world.bob, "WEB", "ms-123", "review", expected_revision=1)
    assert revision.number == 2 and revision.message == "ms-123: status → review"
    saved = json.loads((await plans.get_plan(world.alice, "WEB")).content)
    micro = saved["milestones"][0]["steps"][1]["microsteps"][2]
    assert (micro["status"], micro["x_custom"], saved["x_vendor"]) == ("review", [1, 2, 3], {"keep": True})
    row = await db.scalar(select(PlanItem).where(PlanItem.item_id == "ms-123"))
    assert row is not None and row.status == "review"
    assert await db.scalar(select(func.count()).select_from(PlanItem)) == 3 + 9 + 30
    with pytest.raises(PreconditionFailed):
        await plans.set_status(world.bob, "WEB", "ms-123", "todo", expected_revision=1)


async def test_criteria_and_done_rules(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    with pytest.raises(ValidationFailed, match="criteria"):
        await plans.set_status(world.carol, "WEB", "ms-133", "done")
    await plans.check_criterion(world.carol, "WEB", "ms-133", "c1")
    revision = await plans.check_criterion(world.carol, "WEB", "ms-133", "c2")
    done = await plans.set_status(world.carol, "WEB", "ms-133", "done")
    assert (revision.number, done.number) == (3, 4)
    row = await db.scalar(select(PlanItem).where(PlanItem.item_id == "ms-133"))
    assert row is not None and (row.criteria_met, row.criteria_total, row.status) == (2, 2, "done")
    with pytest.raises(NotFound):
        await plans.check_criterion(world.carol, "WEB", "ms-133", "c9")
    with pytest.raises(NotFound):
        await plans.set_status(world.carol, "WEB", "ms-13", "todo")  # prefixes are not ids here
    with pytest.raises(ValidationFailed) as bad:
        await plans.set_status(world.carol, "WEB", "ms-133", "finished")
    assert bad.value.field == "status"


async def test_project_members_need_org_membership(db: AsyncSession, world: World) -> None:
    projects = ProjectService(db)
    with pytest.raises(NotFound):
        await projects.set_member(world.alice, "WEB", "eve@example.com", "QA")
    with pytest.raises(PermissionDenied):
        await projects.set_member(world.bob, "WEB", "dan@example.com", "QA")  # TechLead cannot manage members
    with pytest.raises(ValidationFailed):
        await projects.set_member(world.alice, "WEB", "dan@example.com", "Boss")
    await projects.set_member(world.alice, "WEB", "dan@example.com", "Contributor")
    roles = {email: role for email, _, role in await projects.members(world.alice, "WEB")}
    assert roles == {"alice@example.com": "PM", "bob@example.com": "TechLead", "carol@example.com": "QA",
                     "dan@example.com": "Contributor"}


async def test_same_key_in_two_orgs_needs_the_org_and_system_sees_all(db: AsyncSession, world: World) -> None:
    projects = ProjectService(db)
    await OrgService(db).add_member(world.eve, "globex", "alice@example.com", "admin")
    await projects.create(world.eve, "globex", "WEB", "Globex web")
    with pytest.raises(ValidationFailed) as ambiguous:
        await projects.get(world.alice, "WEB")
    assert ambiguous.value.field == "org"
    assert (await projects.get(world.alice, "WEB", org="globex")).name == "Globex web"
    assert (await projects.get(SYSTEM, "WEB", org="acme")).role == "PM"
    newcomer = await make_user(db, "zed@example.com")
    with pytest.raises(NotFound):
        await projects.get(newcomer, "WEB", org="acme")


async def test_the_project_list_shows_this_instances_writes_at_once(db: AsyncSession, world: World) -> None:
    projects, plans = ProjectService(db), PlanService(db)
    assert [(p.key, p.progress.total) for p in await projects.list_visible(world.alice)] == [("WEB", 0)]
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0)  # new counts: the cached list is dropped
    assert [(p.key, p.progress.total) for p in await projects.list_visible(world.alice)] == [("WEB", 30)]
    started = (await projects.list_visible(world.alice))[0].progress.in_progress
    await plans.set_status(world.alice, "WEB", "ms-133", "in_progress")
    assert (await projects.list_visible(world.alice))[0].progress.in_progress == started + 1
    await projects.create(world.alice, "acme", "API", "Public API")
    assert [(p.key, p.progress.in_progress) for p in await projects.list_visible(world.alice)] == [
        ("API", 0), ("WEB", started + 1)]
