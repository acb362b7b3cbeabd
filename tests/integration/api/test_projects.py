"""Projects, revisions, microsteps and members through ``/api/v1``, against SQLite and PostgreSQL."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.api.conftest import JSON, Client, Team, key_caller
from tests.integration.conftest import plan_bytes

WEB = "/api/v1/projects/WEB"


async def test_project_summary_and_revisions(client: Client, db: AsyncSession, team: Team) -> None:
    pm = (await key_caller(db, "pm", team.world.alice, "admin")).headers
    summary = (await client.get("/api/v1/projects/web", headers=pm)).json()
    assert (summary["key"], summary["organization"], summary["role"], summary["current_revision"]) == (
        "WEB", "acme", "PM", 1)
    assert (summary["progress"]["total"], summary["progress"]["done"]) == (30, 6)
    second = await client.put(f"{WEB}/plan", content=plan_bytes(extra="kept"),
                              headers={**pm, **JSON, "If-Match": '"1"', "X-BR-Message": "Add notes"})
    assert second.status_code == 200 and second.headers["etag"] == '"2"'
    revisions = (await client.get(f"{WEB}/revisions", headers=pm)).json()
    assert [(r["number"], r["author"]) for r in revisions] == [(2, "alice@example.com"), (1, "alice@example.com")]
    assert revisions[0]["message"] == "Add notes" and len(revisions[0]["content_hash"]) == 64
    assert {"created_at", "content_hash", "message", "author", "number"} <= set(revisions[0])
    first = await client.get(f"{WEB}/revisions/1", headers=pm)
    assert first.status_code == 200 and first.headers["etag"] == '"1"' and first.content == plan_bytes()
    assert json.loads((await client.get(f"{WEB}/revisions/2", headers=pm)).content)["extra"] == "kept"
    missing = await client.get(f"{WEB}/revisions/3", headers=pm)
    assert missing.status_code == 404 and "latest is 2" in missing.json()["detail"]


async def test_microsteps_filter_search_and_page(client: Client, db: AsyncSession, team: Team) -> None:
    reader = (await key_caller(db, "reader", team.world.dan, "plan:read")).headers

    async def page(query: str) -> dict[str, object]:
        response = await client.get(f"{WEB}/microsteps?{query}", headers=reader)
        assert response.status_code == 200, response.text
        body: dict[str, object] = response.json()
        return body

    def ids(body: dict[str, object]) -> list[str]:
        return [item["id"] for item in body["items"]]  # type: ignore[attr-defined, index]

    everything = await page("")
    assert everything["total"] == 30 and everything["revision"] == 1 and ids(everything)[:2] == ["ms-111", "ms-112"]
    assert (await page("status=done"))["total"] == 6
    assert ids(await page("owner=carol")) == ["ms-231", "ms-232", "ms-233", "ms-321", "ms-322", "ms-324"]
    assert ids(await page("tag=a11y")) == ["ms-221", "ms-231", "ms-232", "ms-233"]
    assert ids(await page("tag=a11y&owner=carol&status=todo")) == ["ms-231", "ms-232", "ms-233"]
    assert ids(await page("q=SEARCH")) == ["ms-213"]
    assert (await page("q=%25"))["total"] == 0 and (await page("q=_"))["total"] == 0  # wildcards are literal
    assert (await page("tag=caf%C3%A9"))["total"] == 0 and (await page("q=%E2%9C%93"))["total"] == 0
    assert ids(await page("owner=&tag=ops")) == ["ms-312"]  # empty owner: unowned
    second = await page("limit=2&offset=2")
    assert ids(second) == ["ms-113", "ms-121"] and (second["total"], second["limit"], second["offset"]) == (30, 2, 2)
    assert ids(await page("offset=1000")) == []
    item = (await page("q=Search by name"))["items"][0]  # type: ignore[index]
    assert item == {"id": "ms-213", "title": "Search by name and tag", "status": "todo", "owner": "",
                    "tags": ["web", "search"], "step_id": item["step_id"], "criteria_met": 0, "criteria_total": 2}


async def test_microstep_detail_status_and_criteria(client: Client, db: AsyncSession, team: Team) -> None:
    qa = (await key_caller(db, "qa", team.world.carol, "plan:read", "plan:write")).headers
    detail = await client.get(f"{WEB}/microsteps/ms-212", headers=qa)
    assert detail.status_code == 200 and detail.headers["etag"] == '"1"'
    body = detail.json()
    assert (body["title"], body["status"], body["owner"], body["revision"]) == ("Product detail page", "todo", "bob", 1)
    assert [c["id"] for c in body["acceptance_criteria"]] == ["c1", "c2"] and body["milestone_id"]
    moved = await client.put(f"{WEB}/microsteps/ms-212/status", json={"status": "in_progress"},
                             headers={**qa, "If-Match": '"1"'})
    assert moved.status_code == 200 and moved.headers["etag"] == '"2"'
    assert moved.json()["microstep"]["status"] == "in_progress" and moved.json()["revision"]["number"] == 2
    same = await client.put(f"{WEB}/microsteps/ms-212/status", json={"status": "in_progress"}, headers=qa)
    assert same.json()["revision"]["number"] == 2  # nothing changed: no new revision
    stale = await client.put(f"{WEB}/microsteps/ms-212/status", json={"status": "review"},
                             headers={**qa, "If-Match": '"1"'})
    assert stale.status_code == 412 and stale.json()["current_revision"] == 2
    unmet = await client.put(f"{WEB}/microsteps/ms-212/status", json={"status": "done"}, headers=qa)
    assert unmet.status_code == 422 and "c1, c2" in unmet.json()["detail"] and unmet.json()["field"] == "status"
    for criterion in ("c1", "c2"):
        checked = await client.put(f"{WEB}/microsteps/ms-212/criteria/{criterion}", json={"met": True}, headers=qa)
        assert checked.status_code == 200, checked.text
    assert all(c["met"] for c in checked.json()["microstep"]["acceptance_criteria"])
    done = await client.put(f"{WEB}/microsteps/ms-212/status", json={"status": "done"}, headers=qa)
    assert done.status_code == 200 and done.json()["revision"]["number"] == 5
    uncheck = await client.put(f"{WEB}/microsteps/ms-212/criteria/c1", json={"met": False}, headers=qa)
    assert uncheck.status_code == 422 and uncheck.json()["field"] == "met"
    history = (await client.get(f"{WEB}/revisions", headers=qa)).json()
    assert [r["message"] for r in history[:2]] == ["ms-212: status → done", "ms-212: checked c2"]
    listed = (await client.get(f"{WEB}/microsteps?status=done", headers=qa)).json()
    assert "ms-212" in [item["id"] for item in listed["items"]]  # the materialized rows follow every edit


async def test_members_list_and_assign(client: Client, db: AsyncSession, team: Team) -> None:
    pm = (await key_caller(db, "pm", team.world.alice, "admin")).headers
    members = (await client.get(f"{WEB}/members", headers=pm)).json()
    assert [(m["email"], m["role"]) for m in members] == [
        ("alice@example.com", "PM"), ("bob@example.com", "TechLead"), ("carol@example.com", "QA"),
        ("cody@example.com", "Contributor"), ("dan@example.com", "Viewer")]
    assigned = await client.put(f"{WEB}/members", json={"email": "GUS@example.com", "role": "QA"}, headers=pm)
    assert assigned.status_code == 200 and assigned.json() == {"email": "gus@example.com", "name": "Gus", "role": "QA"}
    changed = await client.put(f"{WEB}/members", json={"email": "gus@example.com", "role": "Viewer"}, headers=pm)
    assert changed.json()["role"] == "Viewer"
    assert ("gus@example.com", "Viewer") in [(m["email"], m["role"]) for m in
                                             (await client.get(f"{WEB}/members", headers=pm)).json()]
    outsider = await client.put(f"{WEB}/members", json={"email": "eve@example.com", "role": "QA"}, headers=pm)
    assert outsider.status_code == 404 and "not a member of acme" in outsider.json()["detail"]
