"""Approvals: request, approve, deny, withdraw and comment, each refused in words when the policy or the request's
state does not allow it; mail to the approvers and the requester; entries in the audit ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Approval, ApprovalComment, AuditEntry
from app.domain.governance.services import ApprovalService
from app.domain.mail.services import MailService
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.integration.conftest import SYSTEM
from tests.integration.governance.conftest import Gov, Inbox, mailbox, set_policy


def service(db: AsyncSession) -> ApprovalService:
    return ApprovalService(db, MailService(db), base_url="https://br.example")


async def rows(db: AsyncSession) -> list[tuple[str, str]]:
    await db.rollback()
    return [(row.status, row.target) for row in await db.scalars(select(Approval).order_by(Approval.created_at))]


async def test_request_then_a_techlead_approves(db: AsyncSession, gov: Gov) -> None:
    approvals = service(db)
    asked = await approvals.request(gov.carol, "WEB", "milestone_completion", " m-1 ", "ready for sign-off")
    assert (asked.transition, asked.target, asked.status, asked.requested_by) == (
        "milestone_completion", "m-1", "pending", "carol@example.com")
    assert asked.needs == "needs approval by TechLead" and asked.approvers == ["TechLead"]
    assert [(c.kind, c.text, c.author) for c in asked.comments] == [("comment", "ready for sign-off",
                                                                     "carol@example.com")]
    approved = await approvals.decide(gov.bob, "WEB", str(asked.id), "approve", "ship it")
    assert (approved.status, approved.decided_by, approved.needs) == ("approved", "bob@example.com", None)
    assert approved.decided_at is not None and approved.approved_by == ["bob@example.com"]
    assert [(c.kind, c.text) for c in approved.comments] == [("comment", "ready for sign-off"), ("approve", "ship it")]
    listed = await approvals.list_requests(gov.dan, "WEB", status="decided")
    assert [item.id for item in listed] == [asked.id]
    assert await approvals.list_requests(gov.dan, "WEB", status="pending") == []


async def test_a_contributor_may_not_approve_and_is_told_who_may(db: AsyncSession, gov: Gov) -> None:
    asked = await service(db).request(gov.carol, "WEB", "milestone_completion", "m-1")
    with pytest.raises(PermissionDenied) as refused:
        await service(db).decide(gov.cody, "WEB", str(asked.id), "approve")
    assert refused.value.message == "this request needs approval by TechLead; your role in WEB is Contributor"
    with pytest.raises(PermissionDenied, match="needs approval by TechLead; your role in WEB is PM"):
        await service(db).decide(gov.alice, "WEB", str(asked.id), "deny")
    with pytest.raises(PermissionDenied, match="decide approval"):  # a Viewer may not decide anything
        await service(db).decide(gov.dan, "WEB", str(asked.id), "approve")
    assert await rows(db) == [("pending", "m-1")]


async def test_the_requester_may_not_approve_their_own_request(db: AsyncSession, gov: Gov) -> None:
    asked = await service(db).request(gov.bob, "WEB", "milestone_completion", "m-1")
    with pytest.raises(PermissionDenied) as refused:
        await service(db).decide(gov.bob, "WEB", str(asked.id), "approve")
    assert refused.value.message == ("you asked for this approval, so someone else must give it: "
                                     "the request needs approval by TechLead")
    with pytest.raises(PermissionDenied, match="withdraw it instead"):
        await service(db).decide(gov.bob, "WEB", str(asked.id), "deny")
    assert (await service(db).decide(gov.gus, "WEB", str(asked.id), "approve")).status == "approved"


async def test_deny_with_a_comment_and_mail_both_ways(db: AsyncSession, gov: Gov) -> None:
    asked = await service(db).request(gov.cody, "WEB", "milestone_completion", "m-2", "please")
    to_approvers = await mailbox(db)
    assert sorted(m.recipient for m in to_approvers) == ["bob@example.com", "gus@example.com"]
    assert to_approvers[0].subject == "Approval requested in WEB: completing a milestone"
    assert to_approvers[0].body.startswith("cody@example.com asks for approval of completing a milestone (m-2) in Web "
                                           "shop. The request needs approval by TechLead.")
    assert f"https://br.example/p/WEB/approvals/{asked.id}" in to_approvers[0].body
    denied = await service(db).decide(gov.bob, "WEB", str(asked.id), "deny", "three microsteps are still open")
    assert denied.status == "denied" and denied.comments[-1].kind == "deny"
    [to_requester] = await mailbox(db, "cody@example.com")
    assert to_requester.subject == "Your approval request in WEB was denied"
    assert "bob@example.com denied your request for completing a milestone (m-2)" in to_requester.body
    assert "three microsteps are still open" in to_requester.body


async def test_decided_and_withdrawn_requests_cannot_be_decided_again(db: AsyncSession, gov: Gov) -> None:
    approvals = service(db)
    first = await approvals.request(gov.carol, "WEB", "milestone_completion", "m-1")
    await approvals.decide(gov.bob, "WEB", str(first.id), "approve")
    with pytest.raises(Conflict, match="approved already"):
        await approvals.decide(gov.gus, "WEB", str(first.id), "approve")
    with pytest.raises(Conflict, match="approved already"):
        await approvals.decide(gov.gus, "WEB", str(first.id), "deny")
    second = await approvals.request(gov.carol, "WEB", "milestone_completion", "m-1")  # a new one is fine
    withdrawn = await approvals.withdraw(gov.carol, "WEB", str(second.id), "not yet")
    assert withdrawn.status == "withdrawn" and withdrawn.decided_by == "carol@example.com"
    with pytest.raises(Conflict, match="was withdrawn"):
        await approvals.decide(gov.bob, "WEB", str(second.id), "approve")
    with pytest.raises(Conflict, match="was withdrawn"):
        await approvals.withdraw(gov.carol, "WEB", str(second.id))
    assert await rows(db) == [("approved", "m-1"), ("withdrawn", "m-1")]


async def test_only_the_requester_or_a_pm_withdraws(db: AsyncSession, gov: Gov) -> None:
    asked = await service(db).request(gov.carol, "WEB", "milestone_completion", "m-1")
    with pytest.raises(PermissionDenied, match="only the person who asked"):
        await service(db).withdraw(gov.bob, "WEB", str(asked.id))
    assert (await service(db).withdraw(gov.alice, "WEB", str(asked.id))).status == "withdrawn"


async def test_bad_requests_name_the_problem_and_change_nothing(db: AsyncSession, gov: Gov) -> None:
    approvals = service(db)
    cases = [
        ("transition", "unknown transition 'go_live'", "go_live", "m-1"),
        ("transition", "asks no approval for completing a step", "step_completion", "st-11"),
        ("transition", "uploading the new policy", "policy_change", "abc"),
        ("target", "name what the approval is for", "milestone_completion", "   "),
        ("target", "name what the approval is for", "milestone_completion", "m\n1"),
        ("target", "name what the approval is for", "milestone_completion", "m" * 201),
        ("target", "NUL", "milestone_completion", "m-\x001"),
    ]
    for field, says, transition, target in cases:
        with pytest.raises(ValidationFailed, match=says) as refused:
            await approvals.request(gov.carol, "WEB", transition, target)
        assert refused.value.field == field
    with pytest.raises(ValidationFailed, match="5000"):
        await approvals.request(gov.carol, "WEB", "milestone_completion", "m-1", "x" * 5001)
    with pytest.raises(PermissionDenied):
        await approvals.request(gov.dan, "WEB", "milestone_completion", "m-1")
    assert await rows(db) == [] and await mailbox(db) == []
    await approvals.request(gov.carol, "WEB", "milestone_completion", "m-1")
    with pytest.raises(Conflict, match="already pending"):
        await approvals.request(gov.cody, "WEB", "milestone_completion", "m-1")


async def test_unknown_ids_and_other_organizations_are_not_found(db: AsyncSession, gov: Gov) -> None:
    asked = await service(db).request(gov.carol, "WEB", "milestone_completion", "m-1")
    for approval_id in ("nope", "00000000-0000-7000-8000-000000000000", str(asked.id) + "0"):
        with pytest.raises(NotFound, match="has no approval request"):
            await service(db).get(gov.carol, "WEB", approval_id)
    with pytest.raises(NotFound, match="no project 'WEB'"):
        await service(db).decide(gov.eve, "WEB", str(asked.id), "approve")
    with pytest.raises(NotFound):
        await service(db).list_requests(gov.eve, "WEB")


async def test_comments_thread_and_filters(db: AsyncSession, gov: Gov) -> None:
    approvals = service(db)
    asked = await approvals.request(gov.carol, "WEB", "milestone_completion", "m-1")
    after = await approvals.comment(gov.bob, "WEB", str(asked.id), "  What about ms-134?  ")
    assert [(c.author, c.text) for c in after.comments] == [("bob@example.com", "What about ms-134?")]
    with pytest.raises(ValidationFailed, match="write something") as refused:
        await approvals.comment(gov.bob, "WEB", str(asked.id), "   ")
    assert refused.value.field == "text"
    with pytest.raises(PermissionDenied):
        await approvals.comment(gov.dan, "WEB", str(asked.id), "I only look")
    with pytest.raises(ValidationFailed, match="use one of all, pending, decided"):
        await approvals.list_requests(gov.dan, "WEB", status="open")
    assert len(await approvals.list_requests(gov.dan, "WEB", status="all")) == 1


async def test_decisions_are_in_the_audit_ledger(db: AsyncSession, gov: Gov) -> None:
    asked = await service(db).request(gov.carol, "WEB", "milestone_completion", "m-1")
    await service(db).decide(gov.bob, "WEB", str(asked.id), "approve")
    await db.rollback()
    entries = [(e.action, e.actor, e.target) for e in await db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
               if e.action.startswith("approval.")]
    target = f"acme/WEB/approvals/{asked.id}"
    assert entries == [("approval.request", "carol@example.com", target), ("approval.approve", "bob@example.com",
                                                                              target)]


async def test_the_operator_decides_anything(db: AsyncSession, gov: Gov) -> None:
    await set_policy(db, "approvals:\n  milestone_completion:\n    approvers: [TechLead]\n    min_approvals: 3\n")
    asked = await service(db).request(gov.carol, "WEB", "milestone_completion", "m-1")
    decided = await service(db).decide(SYSTEM, "WEB", str(asked.id), "approve")
    assert decided.status == "approved" and decided.decided_by is None
    await db.rollback()
    assert (await db.scalar(select(ApprovalComment.author_id).where(ApprovalComment.kind == "approve"))) is None


async def test_mail_goes_out_over_smtp(db: AsyncSession, gov: Gov, smtp_server: tuple[str, Inbox]) -> None:
    url, inbox = smtp_server
    approvals = ApprovalService(db, MailService(db, smtp_url=url), base_url="https://br.example")
    asked = await approvals.request(gov.carol, "WEB", "milestone_completion", "m-1")
    await approvals.decide(gov.gus, "WEB", str(asked.id), "approve")
    assert [(m["To"], m["Subject"]) for m in inbox.messages] == [
        ("bob@example.com", "Approval requested in WEB: completing a milestone"),
        ("gus@example.com", "Approval requested in WEB: completing a milestone"),
        ("carol@example.com", "Your approval request in WEB was approved"),
    ]
