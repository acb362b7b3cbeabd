"""A project's policy on the server: the default until one is uploaded; uploads validated (findings with path,
line and column, nothing changed) and, when the current policy says so, waiting for approval."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditEntry, ProjectPolicy
from app.domain.governance.services import (
    DEFAULT_SOURCE,
    ApprovalService,
    PolicyService,
    content_hash,
    current_policy,
)
from app.domain.mail.services import MailService
from app.lib.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from buildrunner.governance import MAX_POLICY_BYTES
from tests.integration.conftest import SYSTEM
from tests.integration.governance.conftest import Gov, mailbox, set_policy

NO_CHANGE_APPROVAL = "status_gates:\n  done:\n    roles: [QA]\n"
GOVERNED = "approvals:\n  policy_change:\n    approvers: [TechLead]\n    min_approvals: 2\n"


async def policy_rows(db: AsyncSession) -> list[tuple[str, str]]:
    await db.rollback()
    return [(row.source, row.content_hash) for row in await db.scalars(select(ProjectPolicy))]


async def ledger(db: AsyncSession) -> list[tuple[str, str]]:
    await db.rollback()
    entries = await db.scalars(select(AuditEntry).order_by(AuditEntry.seq))
    return [(e.action, e.target) for e in entries if e.action.startswith(("policy.", "approval."))]


async def test_a_project_runs_under_the_default_policy_until_one_is_uploaded(db: AsyncSession, gov: Gov) -> None:
    info = await PolicyService(db).get(gov.dan, "WEB")
    assert info.is_default and info.yaml == DEFAULT_SOURCE and info.content_hash == content_hash(DEFAULT_SOURCE)
    assert info.policy["status_gates"] == {"done": {"roles": ["QA", "TechLead"], "require_all_criteria_met": True}}
    assert info.policy["sync_backoff"]["max_attempts"] == 5  # every default filled in
    assert info.updated_by is None and info.updated_at is None


async def test_an_upload_under_a_policy_without_policy_change_applies(db: AsyncSession, gov: Gov) -> None:
    await set_policy(db, "version: 1\n")
    change = await PolicyService(db).upload(gov.bob, "WEB", NO_CHANGE_APPROVAL.encode())
    assert change.changed and change.approval is None and change.policy is not None
    assert change.policy.yaml == NO_CHANGE_APPROVAL and change.policy.updated_by == "bob@example.com"
    assert change.policy.policy["status_gates"]["done"]["roles"] == ["QA"]
    assert (await current_policy(db, (await db.scalar(select(ProjectPolicy.project_id))))).gate_for("done")
    again = await PolicyService(db).upload(gov.bob, "WEB", NO_CHANGE_APPROVAL.encode())
    assert not again.changed and again.policy == change.policy
    assert ("policy.change", "acme/WEB/policy") in await ledger(db)


async def test_findings_are_listed_and_nothing_changes(db: AsyncSession, gov: Gov) -> None:
    bad = b"version: 1\nsync_backof:\n  min_ms: 5\nstatus_gates:\n  done:\n    roles: [Boss]\n"
    with pytest.raises(ValidationFailed) as refused:
        await PolicyService(db).upload(gov.alice, "WEB", bad)
    assert refused.value.status == 422 and refused.value.field == "policy"
    assert refused.value.detail == "the policy has 2 problems; fix them and upload again"
    first = refused.value.errors[0]
    assert (first["path"], first["line"], first["column"], first["code"]) == ("sync_backof", 2, 1, "POL005")
    assert "did you mean 'sync_backoff'?" in first["message"] + first["hint"]
    assert refused.value.errors[1]["line"] == 6
    assert await policy_rows(db) == [] and await ledger(db) == []


@pytest.mark.parametrize(("data", "says"), [
    (b"version: [1\n", "1 problem"),
    (b"\xff\xfe", "1 problem"),
    (b"version: 1\n\x00", "NUL"),
    (b"a: " + b"x" * MAX_POLICY_BYTES, "1 problem"),
    (b"- just\n- a list\n", "1 problem"),
])
async def test_malformed_policies_are_refused(db: AsyncSession, gov: Gov, data: bytes, says: str) -> None:
    with pytest.raises(ValidationFailed, match=says):
        await PolicyService(db).upload(gov.alice, "WEB", data)
    assert await policy_rows(db) == []


async def test_who_may_change_the_policy(db: AsyncSession, gov: Gov) -> None:
    for who in (gov.carol, gov.cody, gov.dan):
        with pytest.raises(PermissionDenied, match="change policy"):
            await PolicyService(db).upload(who, "WEB", b"version: 1\n")
    with pytest.raises(NotFound):
        await PolicyService(db).upload(gov.eve, "WEB", b"version: 1\n")
    with pytest.raises(NotFound):
        await PolicyService(db).get(gov.eve, "WEB")


async def test_a_governed_change_waits_for_approval_then_applies(db: AsyncSession, gov: Gov) -> None:
    policies = PolicyService(db, MailService(db), base_url="https://br.example")
    change = await policies.upload(gov.alice, "WEB", NO_CHANGE_APPROVAL.encode(), comment="QA owns done")
    assert not change.changed and change.policy is None and change.approval is not None
    request = change.approval
    assert (request.transition, request.status, request.target) == ("policy_change", "pending",
                                                                     content_hash(NO_CHANGE_APPROVAL))
    assert request.payload == {"yaml": NO_CHANGE_APPROVAL, "base_hash": content_hash(DEFAULT_SOURCE)}
    assert request.needs == "needs approval by TechLead" and request.comments[0].text == "QA owns done"
    assert await policy_rows(db) == []  # not applied yet
    mails = await mailbox(db)
    assert sorted(m.recipient for m in mails) == ["bob@example.com", "gus@example.com"]
    assert mails[0].subject == "Approval requested in WEB: changing the policy"
    assert f"https://br.example/p/WEB/approvals/{request.id}" in mails[0].body and "QA owns done" in mails[0].body
    with pytest.raises(Conflict, match="already pending"):
        await PolicyService(db).upload(gov.bob, "WEB", NO_CHANGE_APPROVAL.encode())
    decided = await ApprovalService(db).decide(gov.bob, "WEB", str(request.id), "approve", "fine")
    assert decided.status == "approved" and decided.decided_by == "bob@example.com"
    info = await PolicyService(db).get(gov.dan, "WEB")
    assert info.yaml == NO_CHANGE_APPROVAL and info.updated_by == "alice@example.com" and not info.is_default
    assert [a for a, _ in await ledger(db)] == ["approval.request", "approval.approve", "policy.change"]
    # The new policy does not govern policy changes: the next upload applies at once.
    assert (await PolicyService(db).upload(gov.alice, "WEB", b"version: 1\n")).changed


async def test_min_approvals_and_a_stale_base(db: AsyncSession, gov: Gov) -> None:
    await set_policy(db, GOVERNED)
    first = await PolicyService(db).upload(gov.alice, "WEB", (GOVERNED + "# still governed\n").encode())
    second = await PolicyService(db).upload(gov.alice, "WEB", NO_CHANGE_APPROVAL.encode())
    assert first.approval is not None and second.approval is not None
    assert first.approval.needs == "needs 2 approvals by TechLead"
    approvals = ApprovalService(db)
    one = await approvals.decide(gov.bob, "WEB", str(first.approval.id), "approve")
    assert one.status == "pending" and one.approved_by == ["bob@example.com"]
    with pytest.raises(Conflict, match="approved this request already"):
        await approvals.decide(gov.bob, "WEB", str(first.approval.id), "approve")
    two = await approvals.decide(gov.gus, "WEB", str(first.approval.id), "approve")
    assert two.status == "approved" and two.approved_by == ["bob@example.com", "gus@example.com"]
    assert (await PolicyService(db).get(gov.alice, "WEB")).yaml.endswith("# still governed\n")
    # The second request was made against the policy the first one replaced: approving it would undo that change.
    with pytest.raises(Conflict, match="policy changed since this request was made"):
        await approvals.decide(gov.gus, "WEB", str(second.approval.id), "approve")
    denied = await approvals.decide(gov.gus, "WEB", str(second.approval.id), "deny", "made against the old one")
    assert denied.status == "denied" and denied.comments[-1].text == "made against the old one"


async def test_operators_change_policies_without_approval(db: AsyncSession, gov: Gov) -> None:
    change = await PolicyService(db).upload(SYSTEM, "WEB", NO_CHANGE_APPROVAL.encode())
    assert change.changed and change.policy is not None and change.policy.updated_by is None
