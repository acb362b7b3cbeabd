"""The timeline's events, through the service, on SQLite and PostgreSQL: words, actors, links, filters, paging,
tenant isolation and who may read it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import CommentCreate
from app.domain.comments.services import CommentService
from app.domain.orgs.services import OrgService
from app.domain.projects.services import MergeConflicts, PlanService, PlanSyncService, ProjectService
from app.domain.timeline.schemas import TimelineEvent
from app.domain.timeline.services import TimelineQuery, TimelineService
from app.lib.errors import NotFound, PermissionDenied, ValidationFailed
from tests.integration.conftest import World, make_user, plan_bytes
from tests.integration.timeline.conftest import Story, as_key, edited, events

BOB_KEY = "bob@example.com [key 00000000-0000-0000-0000-000000000007]"


async def test_every_kind_of_event_is_told_in_words_with_its_actor_and_links(db: AsyncSession, world: World,
                                                                             told: Story) -> None:
    found = await events(db, world.dan)  # a Viewer reads the whole timeline
    approval, conflict, comment = told.approval_id, told.conflict_id, told.comment_id
    assert [(event.kind, event.summary) for event in found] == [
        ("policy", "The operator changed the policy"),
        ("comment", "Carol deleted a comment on ms-212"),
        ("comment", "Bob resolved a discussion on ms-212"),
        ("comment", "Carol commented on ms-212"),
        ("approval", "Bob approved completing a milestone (m-1)"),
        ("approval", "Carol asked for approval of completing a milestone (m-1)"),
        ("conflict", f"Alice resolved 1 conflict in revision {told.resolved_revision}"),
        ("revision", f"Alice saved revision {told.resolved_revision}"),
        ("conflict", "Alice pushed a change that conflicts with revision 4 (1 conflict)"),
        ("status", "Bob (API key) moved ms-213 from todo to in_progress"),
        ("status", "Bob (API key) moved ms-212 from todo to in_progress"),
        ("sync", "Bob (API key) synced revision 4 (2 status changes)"),
        ("status", "Carol moved ms-132 from review to done"),
        ("revision", "Carol saved revision 3 (1 status change)"),
        ("revision", "Carol saved revision 2"),
        ("revision", "Alice uploaded the first revision of the plan"),
    ]
    assert [event.seq for event in found] == sorted((event.seq for event in found), reverse=True)
    by_summary = {event.summary: event for event in found}
    moved = by_summary["Carol moved ms-132 from review to done"]
    assert (moved.actor, moved.actor_name, moved.action) == ("carol@example.com", "Carol", "plan.status_change")
    assert (moved.entity.kind, moved.entity.id, moved.entity.url) == ("microstep", "ms-132", "/p/WEB/m/ms-132")
    assert moved.entity.title == "Login with rate limiting" and moved.details["revision"] == 3
    synced = by_summary["Bob (API key) synced revision 4 (2 status changes)"]
    assert synced.actor == BOB_KEY and synced.note == "sync from bob's laptop" and synced.details["via"] == "sync"
    assert synced.entity.url == "/p/WEB/diff?from=3&to=4"
    assert by_summary["Alice uploaded the first revision of the plan"].entity.url == "/p/WEB/history"
    asked = by_summary["Carol asked for approval of completing a milestone (m-1)"]
    assert asked.entity.url == f"/p/WEB/approvals/{approval}" and asked.entity.id == str(approval)
    logged = by_summary["Alice pushed a change that conflicts with revision 4 (1 conflict)"]
    assert logged.entity.url == f"/p/WEB/conflicts/{conflict}" and logged.details == {
        "base": 3, "head": 4, "conflicts": 1}
    deleted = by_summary["Carol deleted a comment on ms-212"]
    assert deleted.entity.url == "/p/WEB/m/ms-212" and deleted.url == f"/p/WEB/c/{comment}"
    policy = found[0]
    assert (policy.actor, policy.entity.kind, policy.entity.url) == ("system", "policy", "/p/WEB/policy")
    assert all(event.created_at.tzinfo is not None for event in found)


async def test_filters_by_actor_kind_entity_and_day(db: AsyncSession, world: World, told: Story) -> None:
    async def summaries(**filters: Any) -> list[str]:
        return [event.summary for event in await events(db, world.alice, **filters)]

    carol = await summaries(actor="carol@example.com")
    assert carol == ["Carol deleted a comment on ms-212", "Carol commented on ms-212",
                     "Carol asked for approval of completing a milestone (m-1)",
                     "Carol moved ms-132 from review to done", "Carol saved revision 3 (1 status change)",
                     "Carol saved revision 2"]
    assert await summaries(actor="  Carol@Example.com ") == carol  # an email as typed
    by_bob = await summaries(actor="bob@example.com")  # a person's email finds their API keys' entries too
    assert len(by_bob) == 5 and "Bob (API key) synced revision 4 (2 status changes)" in by_bob
    assert len(await summaries(actor=BOB_KEY)) == 3  # one key's label exactly
    assert await summaries(actor="bob") == []  # no partial names
    assert await summaries(kinds=("sync",)) == ["Bob (API key) synced revision 4 (2 status changes)"]
    assert [event.kind for event in await events(db, world.alice, kinds=("sync", "policy"))] == ["policy", "sync"]
    assert len(await summaries(kinds=("status,revision",))) == 7  # commas work like repeating the parameter
    assert await summaries(kinds=("conflict",)) == [
        f"Alice resolved 1 conflict in revision {told.resolved_revision}",
        "Alice pushed a change that conflicts with revision 4 (1 conflict)"]
    assert await summaries(entity="ms-212") == ["Carol deleted a comment on ms-212",
                                                "Bob resolved a discussion on ms-212", "Carol commented on ms-212",
                                                "Bob (API key) moved ms-212 from todo to in_progress"]
    assert len(await summaries(entity="ms-21")) == 5  # a prefix: ms-212 and ms-213
    assert await summaries(entity=str(told.approval_id)[:13]) == [
        "Bob approved completing a milestone (m-1)", "Carol asked for approval of completing a milestone (m-1)"]
    assert await summaries(entity="3", kinds=("revision",)) == ["Carol saved revision 3 (1 status change)"]
    assert await summaries(entity="%") == [] and await summaries(entity="_s-212") == []  # no wildcards
    today = datetime.now(UTC).date()
    assert len(await summaries(since=today.isoformat(), until=today.isoformat())) == 16
    assert await summaries(since=(today + timedelta(days=1)).isoformat()) == []
    assert await summaries(until=(today - timedelta(days=1)).isoformat()) == []
    assert await summaries(until="9999-12-31", kinds=("policy",)) == ["The operator changed the policy"]
    assert await summaries(actor="carol@example.com", kinds=("status",), entity="ms-1") == [
        "Carol moved ms-132 from review to done"]


async def test_pages_follow_each_other_without_gaps(db: AsyncSession, world: World, told: Story) -> None:
    timeline = TimelineService(db)
    everything = await events(db, world.alice)
    seen: list[int] = []
    before = ""
    pages = 0
    while True:
        page = await timeline.events(world.alice, "WEB", TimelineQuery(limit=4, before=before))
        pages += 1
        assert len(page.events) == 4 or page.next_before is None
        seen += [event.seq for event in page.events]
        if page.next_before is None:
            break
        assert page.next_before == page.events[-1].seq
        before = str(page.next_before)
    assert seen == [event.seq for event in everything] and pages == 4
    last = await timeline.events(world.alice, "WEB", TimelineQuery(limit=16))
    assert len(last.events) == 16 and last.next_before is None  # exactly one page: no empty page after it
    older = await timeline.events(world.alice, "WEB", TimelineQuery(before=str(everything[-1].seq)))
    assert older.events == [] and older.next_before is None


async def _project(db: AsyncSession, owner: Principal, org: str, key: str) -> None:
    await ProjectService(db).create(owner, org, key, f"Project {key}")
    await PlanService(db).save(owner, key, plan_bytes(), expected_revision=0, org=org, message=f"{org} {key}")


async def test_other_projects_and_organizations_never_appear(db: AsyncSession, world: World) -> None:
    await PlanService(db).save(world.alice, "WEB", plan_bytes(), expected_revision=0, message="acme WEB")
    await _project(db, world.eve, "globex", "WEB")  # the same key in another organization
    await _project(db, world.alice, "acme", "A_B")
    await _project(db, world.alice, "acme", "AXB")  # A_B's prefix as an unescaped LIKE pattern matches AXB too
    await OrgService(db).add_member(world.alice, "acme", "eve@example.com", "member")
    await PlanService(db).set_status(world.alice, "AXB", "ms-212", "in_progress")
    await PlanService(db).set_status(world.eve, "WEB", "ms-213", "in_progress", org="globex")

    def notes(found: list[TimelineEvent]) -> list[str]:
        return [event.note for event in found if event.kind == "revision"]

    assert notes(await events(db, world.alice)) == ["acme WEB"]
    assert notes(await events(db, world.alice, "A_B")) == ["acme A_B"]
    assert [event.entity.id for event in await events(db, world.alice, "AXB", kinds=("status",))] == ["ms-212"]
    globex = await TimelineService(db).events(world.eve, "WEB", TimelineQuery(), org="globex")
    assert [event.summary for event in globex.events] == [
        "Eve moved ms-213 from todo to in_progress", "Eve saved revision 2 (1 status change)",
        "Eve uploaded the first revision of the plan"]
    assert all("acme" not in json.dumps(event.details) for event in globex.events)
    with pytest.raises(ValidationFailed) as ambiguous:  # eve is in both organizations now: she has to say which
        await TimelineService(db).events(world.eve, "WEB", TimelineQuery())
    assert ambiguous.value.field == "org"
    acme_for_eve = await TimelineService(db).events(world.eve, "WEB", TimelineQuery(), org="acme")
    assert [event.note for event in acme_for_eve.events] == ["acme WEB"]


async def test_only_people_who_may_view_the_plan_read_it(db: AsyncSession, world: World) -> None:
    await PlanService(db).save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    timeline = TimelineService(db)
    assert len((await timeline.events(world.dan, "WEB", TimelineQuery())).events) == 1  # a Viewer
    with pytest.raises(NotFound):  # another organization's project does not exist for eve
        await timeline.events(world.eve, "WEB", TimelineQuery())
    with pytest.raises(NotFound):
        await timeline.burnup(world.eve, "WEB")
    with pytest.raises(NotFound):
        await timeline.page(world.eve, "WEB", TimelineQuery())
    no_read = Principal(user_id=world.alice.user_id, email=world.alice.email, via="api_key",
                        credential_id=UUID(int=9), scopes=frozenset({"comments:write"}))
    with pytest.raises(PermissionDenied):
        await timeline.events(no_read, "WEB", TimelineQuery())
    assert len((await timeline.events(as_key(world.dan), "WEB", TimelineQuery())).events) == 1


@pytest.mark.parametrize(("filters", "field"), [
    ({"kinds": ("status", "gossip")}, "kind"),
    ({"kinds": ("sta\x00tus",)}, "kind"),
    ({"actor": "carol\x00"}, "actor"),
    ({"actor": "x" * 401}, "actor"),
    ({"entity": "ms-\x00"}, "entity"),
    ({"entity": "m" * 201}, "entity"),
    ({"since": "yesterday"}, "since"),
    ({"since": "2026-02-30"}, "since"),
    ({"until": "2026-1-5"}, "until"),
    ({"since": "2026-03-02", "until": "2026-03-01"}, "until"),
    ({"before": "9" * 40}, "before"),
    ({"before": str(2**63)}, "before"),
    ({"before": "0"}, "before"),
    ({"before": "-3"}, "before"),
    ({"before": "12abc"}, "before"),
    ({"before": "١٢"}, "before"),  # digits, but not ASCII ones
    ({"limit": 0}, "limit"),
    ({"limit": 201}, "limit"),
])
async def test_bad_filters_are_refused_naming_the_parameter(db: AsyncSession, world: World,
                                                            filters: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await TimelineService(db).events(world.alice, "WEB", TimelineQuery(**filters))  # type: ignore[arg-type]
    assert refused.value.field == field, refused.value.detail


async def test_a_sync_push_that_merges_is_a_sync_too(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    base = json.loads((await plans.get_plan(world.alice, "WEB")).content)
    await plans.set_status(world.bob, "WEB", "ms-221", "in_progress")  # revision 2, from the web page
    pushed = edited(base, ms_222="blocked")  # made from revision 1: merged with revision 2
    result = await PlanSyncService(db).push(world.bob, "WEB", json.dumps(pushed).encode(), expected_revision=1)
    assert result.merged and result.number == 3
    found = await events(db, world.alice, kinds=("sync", "revision"))
    assert [event.summary for event in found] == ["Bob synced revision 3 (1 status change)",
                                                  "Bob saved revision 2 (1 status change)",
                                                  "Alice uploaded the first revision of the plan"]


async def test_a_conflict_settled_by_a_later_push_says_so(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    base = json.loads((await plans.get_plan(world.alice, "WEB")).content)
    await plans.set_status(world.bob, "WEB", "ms-221", "in_progress")  # revision 2
    with pytest.raises(MergeConflicts):
        await PlanSyncService(db).push(world.alice, "WEB", json.dumps(edited(base, ms_221="blocked")).encode(),
                                       expected_revision=1)
    current = json.loads((await plans.get_plan(world.alice, "WEB")).content)  # alice pulls and settles locally
    await PlanSyncService(db).push(world.alice, "WEB", json.dumps(edited(current, ms_221="blocked")).encode(),
                                   expected_revision=2)
    assert [event.summary for event in await events(db, world.alice, kinds=("conflict",))] == [
        "Alice settled a logged conflict by pushing revision 3",
        "Alice pushed a change that conflicts with revision 2 (1 conflict)"]


async def test_what_a_global_admin_did_acting_as_someone_names_both(db: AsyncSession, world: World,
                                                                    told: Story) -> None:
    """A GlobalAdmin acting as Carol (see ``docs/accounts.md``): Carol's doing, by Gina, under either email."""
    await make_user(db, "gina@example.com", "Gina")
    acting = msgspec.structs.replace(world.carol, impersonator="gina@example.com")
    await CommentService(db).create(acting, "WEB", CommentCreate(entity_type="microstep", entity_id="ms-213",
                                                                 body="Looked into it for Carol"))
    latest = (await events(db, world.alice))[0]
    assert latest.actor == "gina@example.com as carol@example.com"
    assert latest.summary == "Carol (by Gina) commented on ms-213"
    for who in ("carol@example.com", "gina@example.com", "gina@example.com as carol@example.com"):
        assert (await events(db, world.alice, actor=who))[0].seq == latest.seq, who
    assert await events(db, world.alice, actor="dan@example.com") == []
