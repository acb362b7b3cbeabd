"""The comments JSON API on SQLite and PostgreSQL: the whole flow, who may do what with a real comment (the matrix
test only reaches one that does not exist), teams, and bad input answered with a 4xx that changes nothing."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal, Scope
from app.domain.projects.permissions import MATRIX, Action
from tests.integration.api.conftest import JSON, fingerprint, key_caller
from tests.integration.comments.conftest import Crew, Recorder
from tests.integration.conftest import Client

WEB: Final = "/api/v1/projects/WEB"
ITEM: Final = {"entity_type": "microstep", "entity_id": "ms-212"}


async def headers_of(db: AsyncSession, who: Principal, *scopes: Scope) -> dict[str, str]:
    return (await key_caller(db, who.email, who, *scopes)).headers


async def test_the_whole_flow(client: Client, db: AsyncSession, crew: Crew, recorder: Recorder) -> None:
    cody = await headers_of(db, crew.cody, "plan:read", "comments:write")
    bob = await headers_of(db, crew.bob, "plan:read", "plan:write", "comments:write")
    created = await client.post(f"{WEB}/comments", json={**ITEM, "body": "Hi @bob, see **this**", "attachments": [
        {"kind": "pr", "url": "https://git.example.com/pr/3", "title": "PR 3"}]}, headers=cody)
    assert created.status_code == 201, created.text
    comment = created.json()
    assert comment["author"] == "cody@example.com" and comment["mentions"] == [
        {"email": "bob@example.com", "name": "Bob", "via": "@bob"}]
    assert comment["url"] == f"/p/WEB/c/{comment['id']}" and comment["can_edit"] and comment["can_delete"]
    one = f"{WEB}/comments/{comment['id']}"
    reply = await client.post(f"{WEB}/comments", json={**ITEM, "body": "Sure", "parent_id": comment["id"]},
                              headers=bob)
    assert reply.status_code == 201 and reply.json()["parent_id"] == comment["id"]
    listing = (await client.get(f"{WEB}/comments", params={**ITEM, "limit": 10}, headers=bob)).json()
    assert listing["total"] == 1 and listing["threads"][0]["replies"][0]["body"] == "Sure"
    assert listing["watching"] and listing["watchers"] == 2
    edited = await client.patch(one, json={"body": "Hi @bob, see **that**"}, headers=cody)
    assert edited.status_code == 200 and edited.json()["edit_count"] == 1
    history = (await client.get(f"{one}/history", headers=bob)).json()
    assert [v["body"] for v in history["versions"]] == ["Hi @bob, see **that**", "Hi @bob, see **this**"]
    assert (await client.post(f"{one}/resolve", headers=bob)).json()["resolved_by"] == "bob@example.com"
    assert not (await client.post(f"{one}/reopen", headers=cody)).json()["resolved"]
    attached = await client.post(f"{one}/attachments", json={"kind": "link", "url": "https://x.example"},
                                 headers=cody)
    assert attached.status_code == 201 and len(attached.json()["attachments"]) == 2
    link_id = attached.json()["attachments"][1]["id"]
    assert len((await client.delete(f"{one}/attachments/{link_id}", headers=cody)).json()["attachments"]) == 1
    promoted = await client.post(f"{one}/promote", json={"title": "Do that", "step_id": "st-21",
                                                         "criteria": ["Done right"]}, headers=bob)
    assert promoted.status_code == 201, promoted.text
    assert promoted.json()["revision"] == 2 and promoted.json()["comment"]["promoted_to"].startswith("ms-")
    plan = (await client.get(f"{WEB}/plan", headers=bob)).json()
    micro = next(m for ms in plan["milestones"] for s in ms["steps"] for m in s["microsteps"]
                 if m["id"] == promoted.json()["microstep_id"])
    assert micro["links"][0]["kind"] == "comment" and micro["links"][0]["url"].endswith(f"/p/WEB/c/{comment['id']}")
    deleted = await client.delete(one, headers=cody)
    assert deleted.status_code == 200 and deleted.json()["deleted"] and deleted.json()["body"] == ""
    assert recorder.names() == ["comment.created", "comment.created", "comment.edited", "comment.resolved",
                                "comment.reopened", "comment.promoted", "comment.deleted"]


async def test_watching_through_the_api(client: Client, db: AsyncSession, crew: Crew) -> None:
    dan = await headers_of(db, crew.dan, "plan:read", "comments:write")  # a Viewer watches
    reader = await headers_of(db, crew.dan, "plan:read")
    assert (await client.put(f"{WEB}/watch", json=ITEM, headers=reader)).status_code == 403
    writer = await headers_of(db, crew.carol, "comments:write")  # watching needs no plan:read on the key
    assert (await client.put(f"{WEB}/watch", json=ITEM, headers=writer)).json()["watching"]
    assert (await client.delete(f"{WEB}/watch", params=ITEM, headers=writer)).json()["watching"] is False
    watched = await client.put(f"{WEB}/watch", json=ITEM, headers=dan)
    assert watched.status_code == 200 and watched.json() == {**ITEM, "watching": True, "watchers": 1}
    assert (await client.get(f"{WEB}/watch", params=ITEM, headers=reader)).json()["watching"]
    stopped = await client.delete(f"{WEB}/watch", params=ITEM, headers=dan)
    assert stopped.json()["watching"] is False
    cody = await headers_of(db, crew.cody, "plan:read", "comments:write")
    comment = (await client.post(f"{WEB}/comments", json={**ITEM, "body": "x"}, headers=cody)).json()
    assert (await client.post(f"{WEB}/comments/{comment['id']}/watch", headers=dan)).json()["watchers"] == 2
    assert (await client.delete(f"{WEB}/comments/{comment['id']}/watch", headers=dan)).json()["watchers"] == 1
    suggestions = await client.get(f"{WEB}/mentions", params={"q": "ca"}, headers=reader)
    assert suggestions.json()[0] == {"value": "@carol", "label": "Carol (carol@example.com)", "kind": "user"}


async def test_who_may_do_what_with_a_real_comment(client: Client, db: AsyncSession, crew: Crew) -> None:
    people = {"PM": crew.alice, "TechLead": crew.bob, "QA": crew.carol, "Contributor": crew.cody,
              "Viewer": crew.dan}
    keys = {role: await headers_of(db, who, "plan:read", "plan:write", "comments:write")
            for role, who in people.items()}
    author = keys["Contributor"]
    comment = (await client.post(f"{WEB}/comments", json={**ITEM, "body": "Root"}, headers=author)).json()
    one = f"{WEB}/comments/{comment['id']}"
    eve = await headers_of(db, crew.eve, "plan:read", "plan:write", "comments:write")
    for role, headers in keys.items():
        assert (await client.get(one, headers=headers)).status_code == 200, role
        resolved = await client.post(f"{one}/resolve", headers=headers)
        assert resolved.status_code == (200 if Action.COMMENT in MATRIX[role] else 403), role
        await client.post(f"{one}/reopen", headers=keys["PM"])
    reader = await headers_of(db, crew.alice, "plan:read")
    before = await fingerprint(db)
    refusals: list[tuple[str, str, str, dict[str, str], Any, int]] = [
        *((role, "PATCH", one, keys[role], {"body": "x"}, 403) for role in ("PM", "TechLead", "QA", "Viewer")),
        *((role, "DELETE", one, keys[role], None, 403) for role in ("QA", "Viewer")),
        *((role, "POST", f"{one}/promote", keys[role], {"title": "t", "step_id": "st-21"}, 403)
          for role, who in people.items() if Action.EDIT_PLAN not in MATRIX[role]),
        ("other org", "GET", one, eve, None, 404), ("other org", "DELETE", one, eve, None, 404),
        ("anonymous", "GET", one, {}, None, 401),
        ("read-only key", "POST", f"{WEB}/comments", reader, {**ITEM, "body": "x"}, 403),
    ]
    for label, method, url, headers, body, status in refusals:
        answer = await client.request(method, url, json=body, headers=headers)
        assert answer.status_code == status, (label, method, url, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert await fingerprint(db) == before
    moderated = await client.delete(one, headers=keys["TechLead"])
    assert moderated.status_code == 200 and moderated.json()["deleted_by"] == "bob@example.com"


async def test_bad_input_is_refused_and_changes_nothing(client: Client, db: AsyncSession, crew: Crew) -> None:
    cody = await headers_of(db, crew.cody, "plan:read", "comments:write")
    before = await fingerprint(db)
    cases: list[tuple[str, Any, int, str]] = [
        ("empty body", {**ITEM, "body": ""}, 422, "empty"),
        ("too large", {**ITEM, "body": "x" * 100_001}, 413, "100 kB"),
        ("unknown item", {**ITEM, "entity_id": "ms-999", "body": "x"}, 404, "ms-999"),
        ("wrong kind", {"entity_type": "step", "entity_id": "ms-212", "body": "x"}, 404, "no step"),
        ("unknown type", {"entity_type": "task", "entity_id": "ms-212", "body": "x"}, 400, "entity_type"),
        ("unknown field", {**ITEM, "body": "x", "html": "<b>"}, 400, "html"),
        ("wrong type", {**ITEM, "body": 5}, 400, "body"),
        ("bad link", {**ITEM, "body": "x", "attachments": [{"kind": "pr", "url": "javascript:alert(1)"}]}, 422,
         "http"),
        ("missing parent", {**ITEM, "body": "x", "parent_id": "00000000-0000-7000-8000-000000000000"}, 404,
         "comment"),
    ]
    for label, body, status, words in cases:
        answer = await client.post(f"{WEB}/comments", json=body, headers=cody)
        assert answer.status_code == status, (label, answer.text)
        assert words in answer.json()["detail"], (label, answer.json())
    nul = await client.post(f"{WEB}/comments", content=b'{"entity_type": "microstep", "entity_id": "ms-212", '
                            b'"body": "a\\u0000b"}', headers={**cody, **JSON})
    assert nul.status_code == 422 and nul.json()["field"] == "body"
    form = await client.post(f"{WEB}/comments", content=b"body=x", headers={
        **cody, "Content-Type": "application/x-www-form-urlencoded"})
    assert form.status_code == 415
    assert (await client.get(f"{WEB}/comments", params={"entity_type": "microstep"}, headers=cody)).status_code == 400
    assert (await client.get(f"{WEB}/comments/not-a-uuid", headers=cody)).status_code in (400, 404)
    assert await fingerprint(db) == before


async def test_teams_api(client: Client, db: AsyncSession, crew: Crew) -> None:
    carol = await headers_of(db, crew.carol, "admin")  # a plain member of acme
    alice = await headers_of(db, crew.alice, "admin")  # its owner
    teams = "/api/v1/orgs/acme/teams"
    listed = (await client.get(teams, headers=carol)).json()
    assert [(t["slug"], [m["email"] for m in t["members"]], t["can_manage"]) for t in listed] == [
        ("frontend", ["bob@example.com", "cody@example.com"], False)]
    created = await client.post(teams, json={"slug": "qa", "name": "Quality"}, headers=carol)
    assert created.status_code == 201 and created.json()["members"][0]["email"] == "carol@example.com"
    assert (await client.post(teams, json={"slug": "qa", "name": "Again"}, headers=carol)).status_code == 409
    assert (await client.post(teams, json={"slug": "-bad-", "name": "x"}, headers=carol)).status_code == 422
    eve = await headers_of(db, crew.eve, "admin")
    carol_reader = await headers_of(db, crew.carol, "plan:read")
    before = await fingerprint(db)
    assert (await client.put(f"{teams}/frontend/members", json={"email": "dan@example.com"},
                             headers=carol)).status_code == 403
    assert (await client.delete(f"{teams}/frontend", headers=carol)).status_code == 403
    assert (await client.put(f"{teams}/qa/members", json={"email": "eve@example.com"},
                             headers=carol)).status_code == 404  # eve is not in acme
    assert (await client.get(teams, headers=eve)).status_code == 404
    assert (await client.put(f"{teams}/qa/members", json={"email": "dan@example.com"}, headers=eve)).status_code == 404
    assert (await client.post(teams, json={"slug": "x", "name": "x"}, headers=carol_reader)).status_code == 403
    assert await fingerprint(db) == before
    added = await client.put(f"{teams}/frontend/members", json={"email": "dan@example.com"}, headers=alice)
    assert [m["email"] for m in added.json()["members"]] == ["bob@example.com", "cody@example.com", "dan@example.com"]
    removed = await client.delete(f"{teams}/frontend/members", params={"email": "cody@example.com"}, headers=alice)
    assert [m["email"] for m in removed.json()["members"]] == ["bob@example.com", "dan@example.com"]
    assert (await client.delete(f"{teams}/qa", headers=carol)).status_code == 204  # its creator
    assert [t["slug"] for t in (await client.get(teams, headers=alice)).json()] == ["frontend"]
