"""The policy's checks on plan writes, called directly as PlanService calls them: status gates on one microstep
(``enforce_status_change``) and on every status a whole-plan write changes, plus the approvals that completing a
milestone or a step needs (``enforce_plan_revision``)."""

from __future__ import annotations

import copy
import json
from typing import Any

import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.governance.services import ApprovalService, enforce_plan_revision, enforce_status_change
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import find_project
from app.lib.errors import ApprovalRequired, PermissionDenied, ValidationFailed
from buildrunner.spec.document import decode_plan
from tests.integration.conftest import SYSTEM, plan_bytes
from tests.integration.governance.conftest import Gov, set_policy

MET = {"id": "ms-x", "status": "review", "acceptance_criteria": [{"id": "c1", "text": "a", "met": True}]}
UNMET = {"id": "ms-y", "status": "review", "acceptance_criteria": [{"id": "c1", "text": "a", "met": True},
                                                                    {"id": "c2", "text": "b"}]}


async def access(db: AsyncSession, who: Principal, action: Action = Action.VIEW_PLAN) -> ProjectAccess:
    return await find_project(db, who, "WEB", action=action)


def demo() -> dict[str, Any]:
    raw: dict[str, Any] = json.loads(plan_bytes())
    return raw


def microsteps(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for ms in plan["milestones"] for s in ms["steps"] for m in s["microsteps"]}


def finish(plan: dict[str, Any], *ids: str) -> dict[str, Any]:
    """A copy of ``plan`` with these microsteps done and their criteria met."""
    changed = copy.deepcopy(plan)
    index = microsteps(changed)
    for micro_id in ids:
        index[micro_id]["status"] = "done"
        for criterion in index[micro_id].get("acceptance_criteria", []):
            criterion["met"] = True
    return changed


# -- one microstep ------------------------------------------------------------------------------------------


async def test_qa_and_techlead_may_move_a_microstep_to_done(db: AsyncSession, gov: Gov) -> None:
    for who in (gov.carol, gov.bob):
        await enforce_status_change(db, who, await access(db, who), MET, "done")


async def test_a_contributor_may_not_and_is_told_who_may(db: AsyncSession, gov: Gov) -> None:
    with pytest.raises(PermissionDenied) as refused:
        await enforce_status_change(db, gov.cody, await access(db, gov.cody), MET, "done")
    assert refused.value.status == 403
    assert refused.value.message == "only TechLead or QA may move a microstep to done (ms-x)"
    with pytest.raises(PermissionDenied, match="only TechLead or QA"):  # the PM too, under the default policy
        await enforce_status_change(db, gov.alice, await access(db, gov.alice), MET, "done")


async def test_done_needs_every_criterion_met(db: AsyncSession, gov: Gov) -> None:
    with pytest.raises(ValidationFailed) as refused:
        await enforce_status_change(db, gov.carol, await access(db, gov.carol), UNMET, "done")
    assert refused.value.status == 422 and refused.value.field == "status"
    assert refused.value.detail == "done needs every acceptance criterion met (ms-y)"


async def test_ungated_statuses_no_change_and_operators_pass(db: AsyncSession, gov: Gov) -> None:
    cody = await access(db, gov.cody)
    await enforce_status_change(db, gov.cody, cody, UNMET, "in_progress")
    await enforce_status_change(db, gov.cody, cody, {**UNMET, "status": "done"}, "done")  # no change
    await enforce_status_change(db, SYSTEM, await access(db, SYSTEM), UNMET, "done")


async def test_the_project_policy_decides_not_the_default(db: AsyncSession, gov: Gov) -> None:
    await set_policy(db, "status_gates:\n  review:\n    roles: [QA]\n")
    cody = await access(db, gov.cody)
    await enforce_status_change(db, gov.cody, cody, MET, "done")  # no gate on done any more
    with pytest.raises(PermissionDenied, match=r"^only QA may move a microstep to review"):
        await enforce_status_change(db, gov.cody, cody, {**MET, "status": "todo"}, "review")


async def test_refusals_speak_the_callers_language(db: AsyncSession, gov: Gov) -> None:
    from app.lib.i18n import use_locale  # noqa: PLC0415

    token = use_locale("de")
    try:
        with pytest.raises(PermissionDenied) as refused:
            await enforce_status_change(db, gov.cody, await access(db, gov.cody), MET, "done")
    finally:
        from app.lib import i18n  # noqa: PLC0415

        i18n._current.reset(token)
    assert "TechLead" in refused.value.message and "only" not in refused.value.message


# -- whole plans ----------------------------------------------------------------------------------------------


async def test_a_plan_write_is_checked_microstep_by_microstep(db: AsyncSession, gov: Gov) -> None:
    old = demo()
    new = finish(old, "ms-123")
    await enforce_plan_revision(db, gov.carol, await access(db, gov.carol), old, new)
    await enforce_plan_revision(db, gov.carol, await access(db, gov.carol), plan_bytes(), msgspec.json.encode(new))
    with pytest.raises(PermissionDenied, match=r"^only TechLead or QA may move a microstep to done \(ms-123\)$"):
        await enforce_plan_revision(db, gov.cody, await access(db, gov.cody), old, new)
    unmet = copy.deepcopy(new)
    microsteps(unmet)["ms-123"]["acceptance_criteria"][0]["met"] = False
    with pytest.raises(ValidationFailed) as refused:
        await enforce_plan_revision(db, gov.carol, await access(db, gov.carol), old, unmet)
    assert refused.value.errors == [{"microstep": "ms-123", "status": "done",
                                     "message": "done needs every acceptance criterion met"}]


async def test_new_microsteps_count_as_moved_from_todo(db: AsyncSession, gov: Gov) -> None:
    old = demo()
    new = copy.deepcopy(old)
    new["milestones"][1]["steps"][0]["microsteps"].append({"id": "ms-new", "title": "Born done", "status": "done"})
    with pytest.raises(PermissionDenied, match=r"\(ms-new\)"):
        await enforce_plan_revision(db, gov.cody, await access(db, gov.cody), old, new)
    new["milestones"][1]["steps"][0]["microsteps"][-1]["status"] = "todo"
    await enforce_plan_revision(db, gov.cody, await access(db, gov.cody), old, new)


async def test_the_first_revision_and_operators_are_not_checked(db: AsyncSession, gov: Gov) -> None:
    everything_done = finish(demo(), *microsteps(demo()))
    await enforce_plan_revision(db, gov.cody, await access(db, gov.cody), None, everything_done)
    await enforce_plan_revision(db, SYSTEM, await access(db, SYSTEM), demo(), everything_done)


def big_plan(microsteps_count: int) -> dict[str, Any]:
    per_step, steps_per_milestone = 50, 10
    milestones = []
    for m in range(microsteps_count // (per_step * steps_per_milestone)):
        steps = [{"id": f"st-{m}-{s}", "title": "S", "microsteps": [
            {"id": f"ms-{m}-{s}-{i}", "title": "M", "status": "in_progress",
             "acceptance_criteria": [{"id": "c1", "text": "t", "met": True}]} for i in range(per_step)]}
            for s in range(steps_per_milestone)]
        milestones.append({"id": f"m-{m}", "title": "M", "steps": steps})
    return {"version": 1, "project": {"name": "Big"}, "milestones": milestones}


async def test_a_ten_thousand_microstep_plan_is_compared_by_id(db: AsyncSession, gov: Gov) -> None:
    old = big_plan(10_000)
    new = copy.deepcopy(old)
    moved = [new["milestones"][m]["steps"][3]["microsteps"][7] for m in range(0, 20, 4)]
    for micro in moved:
        micro["status"] = "done"
    new["milestones"][19]["steps"][9]["microsteps"].reverse()  # reordering is no status change
    carol, cody = await access(db, gov.carol), await access(db, gov.cody)
    await enforce_plan_revision(db, gov.carol, carol, old, new)
    await enforce_plan_revision(db, gov.carol, carol, msgspec.json.encode(old), msgspec.json.encode(new))
    # As PlanService.store holds them: the current revision's text and the upload already decoded by the linter.
    await enforce_plan_revision(db, gov.carol, carol, msgspec.json.encode(old).decode(),
                                decode_plan(msgspec.json.encode(new)))
    with pytest.raises(PermissionDenied) as refused:
        await enforce_plan_revision(db, gov.cody, cody, msgspec.json.encode(old).decode(),
                                    decode_plan(msgspec.json.encode(new)))
    assert refused.value.message == ("only TechLead or QA may move a microstep to done "
                                     "(ms-0-3-7, ms-4-3-7, ms-8-3-7, ms-12-3-7, ms-16-3-7)")
    for micro in new["milestones"][5]["steps"][0]["microsteps"]:
        micro["status"] = "blocked"  # 50 more changes, ungated
    with pytest.raises(PermissionDenied, match=r"ms-16-3-7\)$"):
        await enforce_plan_revision(db, gov.cody, cody, old, new)


# -- completion approvals -------------------------------------------------------------------------------------


async def test_completing_a_milestone_needs_an_approved_request(db: AsyncSession, gov: Gov) -> None:
    old = demo()
    left = [micro_id for micro_id, micro in microsteps(old).items()
            if micro_id.startswith("ms-1") and micro.get("status") != "done"]
    new = finish(old, *left)
    carol = await access(db, gov.carol)
    with pytest.raises(ApprovalRequired) as refused:
        await enforce_plan_revision(db, gov.carol, carol, old, new)
    assert refused.value.status == 403
    assert refused.value.message == ("completing milestone m-1 needs approval by TechLead "
                                     "(request it on the approvals page)")
    assert refused.value.extra() == {"transition": "milestone_completion", "target": "m-1", "approvers": ["TechLead"]}
    approvals = ApprovalService(db)
    request = await approvals.request(gov.carol, "WEB", "milestone_completion", "m-1")
    with pytest.raises(ApprovalRequired):  # pending is not approved
        await enforce_plan_revision(db, gov.carol, carol, old, new)
    await approvals.decide(gov.bob, "WEB", str(request.id), "approve")
    await enforce_plan_revision(db, gov.carol, carol, old, new)
    # Finishing a step of an unfinished milestone needs nothing under the default policy.
    await enforce_plan_revision(db, gov.carol, carol, old, finish(old, "ms-123"))


async def test_step_completion_when_the_policy_asks_for_it(db: AsyncSession, gov: Gov) -> None:
    await set_policy(db, "approvals:\n  step_completion:\n    approvers: [QA, TechLead]\n    min_approvals: 2\n")
    old = demo()
    new = finish(old, "ms-123")
    cody = await access(db, gov.cody)
    with pytest.raises(ApprovalRequired, match=r"^completing step st-12 needs 2 approvals by TechLead or QA"):
        await enforce_plan_revision(db, gov.cody, cody, old, new)
    request = await ApprovalService(db).request(gov.cody, "WEB", "step_completion", "st-12")
    await ApprovalService(db).decide(gov.carol, "WEB", str(request.id), "approve")
    with pytest.raises(ApprovalRequired):  # one of two
        await enforce_plan_revision(db, gov.cody, cody, old, new)
    await ApprovalService(db).decide(gov.bob, "WEB", str(request.id), "approve")
    await enforce_plan_revision(db, gov.cody, cody, old, new)


async def test_a_plan_that_is_not_a_build_spec_is_refused(db: AsyncSession, gov: Gov) -> None:
    with pytest.raises(ValidationFailed, match="not a valid Build Spec"):
        await enforce_plan_revision(db, gov.carol, await access(db, gov.carol), demo(), b'{"milestones": 5}')
