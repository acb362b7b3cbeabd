"""The governance JSON API: the policy as YAML in and out (202 while a change waits for approval), approvals end to
end, refusals as problem+json in words, bad input as a 4xx that changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import SessionService
from app.server.auth import SESSION_COOKIE
from app.server.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.integration.api.conftest import fingerprint
from tests.integration.conftest import PASSWORD, Client, problem
from tests.integration.governance.conftest import Gov, mailbox

WEB = "/api/v1/projects/WEB"
YAML = {"Content-Type": "application/yaml"}
JSON = {"Content-Type": "application/json"}
NEW_POLICY = b"status_gates:\n  done:\n    roles: [QA]\n"


async def as_(client: Client, db: AsyncSession, email: str) -> dict[str, str]:
    """Headers of a signed-in browser session of ``email`` (session cookie and CSRF token)."""
    await client.get("/healthz")
    csrf = client.cookies.get(CSRF_COOKIE) or ""
    client.cookies.clear()
    _, token = await SessionService(db).login(email, PASSWORD)
    return {"Cookie": f"{SESSION_COOKIE}={token}; {CSRF_COOKIE}={csrf}", CSRF_HEADER: csrf}


async def test_policy_upload_waits_for_approval_then_applies(client: Client, db: AsyncSession, gov: Gov) -> None:
    alice, bob = await as_(client, db, "alice@example.com"), await as_(client, db, "bob@example.com")
    current = await client.get(f"{WEB}/policy", headers=alice)
    assert current.status_code == 200 and current.json()["is_default"] is True
    assert current.json()["policy"]["approvals"] == {"milestone_completion": ["TechLead"],
                                                     "policy_change": ["TechLead"]}
    uploaded = await client.put(f"{WEB}/policy", content=NEW_POLICY,
                                headers={**alice, **YAML, "X-BR-Message": "QA owns done"})
    assert uploaded.status_code == 202, uploaded.text
    request = uploaded.json()
    assert (request["transition"], request["status"], request["needs"]) == ("policy_change", "pending",
                                                                            "needs approval by TechLead")
    assert request["comments"][0]["text"] == "QA owns done"
    assert (await client.get(f"{WEB}/policy", headers=alice)).json()["is_default"] is True
    approved = await client.post(f"{WEB}/approvals/{request['id']}/approve", headers=bob)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    after = (await client.get(f"{WEB}/policy", headers=alice)).json()
    assert after["yaml"] == NEW_POLICY.decode() and after["updated_by"] == "alice@example.com"
    assert after["policy"]["status_gates"]["done"]["roles"] == ["QA"] and after["policy"]["approvals"] == {}
    applied = await client.put(f"{WEB}/policy", content=b"version: 1\n", headers={**alice, **YAML})
    assert applied.status_code == 200 and applied.json()["yaml"] == "version: 1\n"


async def test_policy_findings_and_bad_bodies(client: Client, db: AsyncSession, gov: Gov) -> None:
    alice = await as_(client, db, "alice@example.com")
    before = await fingerprint(db)
    found = problem(await client.put(f"{WEB}/policy", content=b"version: 1\nsync_backof: {}\n",
                                     headers={**alice, "Content-Type": "text/yaml; charset=utf-8"}), 422)
    assert found["field"] == "policy" and found["detail"].startswith("policy: the policy has 1 problem")
    [finding] = found["errors"]
    assert {k: finding[k] for k in ("path", "line", "column", "code")} == {
        "path": "sync_backof", "line": 2, "column": 1, "code": "POL005"}
    assert "sync_backoff" in finding["message"] + finding["hint"]
    cases = [
        (b"version: [", YAML, 422, "1 problem"),
        (b"version: 1\n\x00", YAML, 422, "NUL"),
        (b"version: 1\n", JSON, 415, "application/yaml"),
        (b"version: 1\n", {"Content-Type": "text/plain"}, 415, "application/yaml or text/yaml"),
        (b"a: " + b"x" * 300_000, YAML, 413, ""),
        (b"- 1\n", YAML, 422, "1 problem"),
    ]
    for body, headers, status, says in cases:
        answer = problem(await client.put(f"{WEB}/policy", content=body, headers={**alice, **headers}), status)
        assert says in answer["detail"], answer
    assert await fingerprint(db) == before


async def test_approvals_end_to_end(client: Client, db: AsyncSession, gov: Gov) -> None:
    carol, cody = await as_(client, db, "carol@example.com"), await as_(client, db, "cody@example.com")
    bob = await as_(client, db, "bob@example.com")
    created = await client.post(f"{WEB}/approvals", json={"transition": "milestone_completion", "target": "m-1",
                                                          "comment": "all done"}, headers=carol)
    assert created.status_code == 201, created.text
    approval = created.json()
    url = f"{WEB}/approvals/{approval['id']}"
    assert sorted(m.recipient for m in await mailbox(db)) == ["bob@example.com", "gus@example.com"]
    refused = problem(await client.post(f"{url}/approve", headers=cody), 403)
    assert refused["detail"] == "this request needs approval by TechLead; your role in WEB is Contributor"
    own = problem(await client.post(f"{url}/approve", headers=carol), 403)
    assert "needs approval by TechLead" in own["detail"]  # carol is QA: not an approver anyway
    commented = await client.post(f"{url}/comment", json={"text": "Checked the build"}, headers=bob)
    assert commented.status_code == 201 and commented.json()["comments"][-1]["text"] == "Checked the build"
    denied = await client.post(f"{url}/deny", json={"comment": "ms-134 is still open"}, headers=bob)
    assert denied.status_code == 200 and denied.json()["status"] == "denied"
    again = problem(await client.post(f"{url}/approve", headers=bob), 409)
    assert again["detail"] == "this request was denied; ask again with a new request"
    listed = await client.get(f"{WEB}/approvals?status=decided", headers=cody)
    assert [item["id"] for item in listed.json()] == [approval["id"]]
    got = await client.get(url, headers=cody)
    assert [c["kind"] for c in got.json()["comments"]] == ["comment", "comment", "deny"]


async def test_withdrawn_requests_cannot_be_approved(client: Client, db: AsyncSession, gov: Gov) -> None:
    carol, bob = await as_(client, db, "carol@example.com"), await as_(client, db, "bob@example.com")
    created = await client.post(f"{WEB}/approvals", json={"transition": "milestone_completion", "target": "m-2"},
                                headers=carol)
    url = f"{WEB}/approvals/{created.json()['id']}"
    withdrawn = await client.post(f"{url}/withdraw", json={}, headers=carol)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert problem(await client.post(f"{url}/approve", headers=bob), 409)["detail"].endswith("withdrawn; ask again "
                                                                                              "with a new request")


@pytest.mark.parametrize(("body", "status", "says"), [
    ({"transition": "go_live", "target": "m-1"}, 400, "transition"),
    ({"transition": "milestone_completion"}, 400, "target"),
    ({"transition": "milestone_completion", "target": "m-1", "colour": "red"}, 400, "colour"),
    ({"transition": "step_completion", "target": "st-11"}, 422, "asks no approval"),
    ({"transition": "policy_change", "target": "x"}, 422, "uploading the new policy"),
    ({"transition": "milestone_completion", "target": "m\u00001"}, 422, "target: must not contain NUL"),
    ({"transition": "milestone_completion", "target": ""}, 422, "target: name what the approval is for"),
])
async def test_bad_approval_requests(client: Client, db: AsyncSession, gov: Gov, body: dict[str, Any], status: int,
                                     says: str) -> None:
    carol = await as_(client, db, "carol@example.com")
    before = await fingerprint(db)
    answer = problem(await client.post(f"{WEB}/approvals", json=body, headers=carol), status)
    assert says in answer["detail"], answer
    assert await fingerprint(db) == before


async def test_other_organizations_and_unknown_requests_are_not_found(client: Client, db: AsyncSession,
                                                                      gov: Gov) -> None:
    carol, eve = await as_(client, db, "carol@example.com"), await as_(client, db, "eve@example.com")
    created = await client.post(f"{WEB}/approvals", json={"transition": "milestone_completion", "target": "m-1"},
                                headers=carol)
    url = f"{WEB}/approvals/{created.json()['id']}"
    for method, path in (("GET", url), ("POST", f"{url}/approve"), ("GET", f"{WEB}/policy"),
                         ("GET", f"{WEB}/approvals")):
        problem(await client.request(method, path, headers=eve), 404)
    problem(await client.get(f"{WEB}/approvals/not-an-id", headers=carol), 404)
    problem(await client.get(f"{WEB}/approvals?status=open", headers=carol), 422)
    problem(await client.get(f"{WEB}/approvals/x%00y", headers=carol), 422)
