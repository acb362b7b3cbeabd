"""Promoting a comment to a microstep: a new, lint-clean plan revision whose microstep links back to the comment;
a save that loses a race is replayed once, a second loss is a clear 409."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import PromoteRequest
from app.domain.comments.services import PromoteService
from app.domain.projects.schemas import PlanSnapshot
from app.domain.projects.services import PlanService
from app.lib.errors import Conflict, PermissionDenied, ValidationFailed
from buildrunner.spec.document import PlanDocument, decode_plan
from buildrunner.spec.lint import lint_bytes
from tests.integration.comments.conftest import Crew, Recorder, say

BASE = "https://br.example.com"


def request(**changes: Any) -> PromoteRequest:
    values: dict[str, Any] = {"title": "Add price filter", "step_id": "st-21",
                              "criteria": ["Filter by min price", "", "  Filter by max price  "]}
    return PromoteRequest(**{**values, **changes})


async def test_promotion_adds_a_linked_microstep_as_a_new_revision(db: AsyncSession, crew: Crew,
                                                                   recorder: Recorder) -> None:
    comment = await say(db, crew.cody, "We need a **price filter**")
    promoted = await PromoteService(db).promote(crew.bob, "WEB", comment.id, request(), base_url=BASE + "/")
    assert promoted.revision == 2 and promoted.microstep_id.startswith("ms-")
    assert promoted.comment.promoted_to == promoted.microstep_id and promoted.comment.promoted_revision == 2
    snapshot = await PlanService(db).get_plan(crew.dan, "WEB")
    assert snapshot.info.number == 2 and "promoted from comment" in snapshot.info.message
    assert lint_bytes(snapshot.content) == []  # br reads it: the linter finds nothing
    plan = decode_plan(snapshot.content)
    step = next(s for m in plan.milestones for s in m.steps if s.id == "st-21")
    micro = step.microsteps[-1]
    assert micro.id == promoted.microstep_id and micro.title == "Add price filter" and micro.status == "todo"
    assert [c.text for c in micro.acceptance_criteria] == ["Filter by min price", "Filter by max price"]
    link = f"{BASE}/p/WEB/c/{comment.id}"
    assert [(ln.kind, ln.url) for ln in micro.links] == [("comment", link)]
    assert link in micro.description and "We need a **price filter**" in micro.description
    assert recorder.names()[-1] == "comment.promoted"
    assert recorder.seen[-1].microstep_id == promoted.microstep_id
    with pytest.raises(Conflict):  # once is enough
        await PromoteService(db).promote(crew.bob, "WEB", comment.id, request(), base_url=BASE)


async def test_who_may_promote_and_what_is_refused(db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Idea")
    promote = PromoteService(db)
    for person in (crew.cody, crew.carol, crew.dan):  # promoting edits the plan: PM and TechLead only
        with pytest.raises(PermissionDenied):
            await promote.promote(person, "WEB", comment.id, request(), base_url=BASE)
    for changes, field in (({"title": "  "}, "title"), ({"step_id": "ms-212"}, "step_id"),
                           ({"step_id": "st-9"}, "step_id"), ({"title": "a\x00"}, "title"),
                           ({"criteria": ["ok", "bad\x00"]}, "criteria")):
        with pytest.raises(ValidationFailed) as refused:
            await promote.promote(crew.alice, "WEB", comment.id, request(**changes), base_url=BASE)
        assert refused.value.field == field, changes
    assert (await PlanService(db).get_plan(crew.alice, "WEB")).info.number == 1


class RacingPlans(PlanService):
    """A plan service that lets ``times`` other saves in just after each read (someone else was quicker)."""

    def __init__(self, db: AsyncSession, rival: Principal, times: int) -> None:
        super().__init__(db)
        self.rival, self.times = rival, times

    async def get_plan(self, actor: Principal, key: str, *, org: str | None = None) -> PlanSnapshot:
        snapshot = await super().get_plan(actor, key, org=org)
        if self.times:
            self.times -= 1
            document = PlanDocument.from_bytes(snapshot.content)
            document.add_note("ms-211", f"rival edit {self.times}")
            await PlanService(self.db).save(self.rival, key, document.to_bytes(),
                                            expected_revision=snapshot.info.number)
        return snapshot


async def test_a_stale_revision_is_retried_once(db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Idea")
    promoted = await PromoteService(db, RacingPlans(db, crew.alice, 1)).promote(
        crew.bob, "WEB", comment.id, request(), base_url=BASE)
    assert promoted.revision == 3  # the rival's revision 2 is kept under the promotion
    plan = decode_plan((await PlanService(db).get_plan(crew.bob, "WEB")).content)
    micro = {m.id: m for ms in plan.milestones for s in ms.steps for m in s.microsteps}
    assert promoted.microstep_id in micro and micro["ms-211"].notes[-1].text == "rival edit 0"


async def test_losing_twice_is_a_clear_conflict(db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Idea")
    with pytest.raises(Conflict, match="changed twice"):
        await PromoteService(db, RacingPlans(db, crew.alice, 2)).promote(
            crew.bob, "WEB", comment.id, request(), base_url=BASE)
    again = await PromoteService(db).promote(crew.bob, "WEB", comment.id, request(), base_url=BASE)
    assert again.comment.promoted_to is not None
