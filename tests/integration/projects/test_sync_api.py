"""Pushes from a stale revision merged on the server, the conflict log and its resolution, through ``/api/v1``
(SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.api.conftest import fingerprint
from tests.integration.conftest import Client, World
from tests.integration.projects.sync_helpers import (
    JSON,
    WEB,
    Callers,
    counts,
    current_plan,
    demo,
    edited,
    microstep,
    put,
    with_plan,
)

ORIGINAL_TITLE = "Create the repository with a README and licence"


@pytest.fixture
async def callers(db: AsyncSession, world: World) -> Callers:
    """WEB at revision 1 and a key for each caller."""
    return await with_plan(db, world)


async def conflict(client: Client, callers: Callers, bob: dict[str, dict[str, object]],
                   alice: dict[str, dict[str, object]]) -> dict[str, object]:
    """Bob saves his changes as revision 2, then alice pushes hers made from revision 1: the 409's body."""
    assert (await put(client, callers.bob, edited(bob), '"1"')).status_code == 200
    refused = await put(client, callers.alice, edited(alice), '"1"', **{"X-BR-Message": "alice's edits"})
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, object] = refused.json()
    return problem


async def test_a_stale_put_merges_changes_to_different_microsteps(client: Client, db: AsyncSession,
                                                                  callers: Callers) -> None:
    first = await put(client, callers.bob, edited({"ms-111": {"title": "Bob's title"}}), '"1"')
    assert first.status_code == 200 and first.json()["merged"] is False and "plan" not in first.json()
    merged = await put(client, callers.alice, edited({"ms-212": {"status": "in_progress"}}), '"1"')
    assert merged.status_code == 200, merged.text
    answer = merged.json()
    assert answer["merged"] is True and answer["number"] == 3 and merged.headers["etag"] == '"3"'
    assert {"content_hash", "author", "message", "created_at"} <= set(answer)  # still a revision's fields
    number, plan = await current_plan(client, callers.alice)
    assert number == 3 and plan == answer["plan"]
    assert microstep(plan, "ms-111")["title"] == "Bob's title" and microstep(plan, "ms-212")["status"] == "in_progress"
    again = await put(client, callers.alice, edited({"ms-212": {"status": "in_progress"}}), '"1"')
    assert again.json()["number"] == 3 and again.json()["merged"] is True  # nothing new: no revision


async def test_a_stale_put_with_a_field_changed_two_ways_is_a_logged_conflict(client: Client, db: AsyncSession,
                                                                             callers: Callers) -> None:
    problem = await conflict(client, callers, {"ms-111": {"title": "Bob's"}}, {"ms-111": {"title": "Alice's"}})
    assert problem["type"] == "https://buildrunner.dev/problems/merge-conflict" and problem["current"] == 2
    assert problem["conflicts"] == [{"id": problem["conflicts"][0]["id"],  # type: ignore[index]
                                     "path": "microstep[ms-111].title", "kind": "field", "base": ORIGINAL_TITLE,
                                     "local": "Alice's", "remote": "Bob's"}]
    assert await counts(db) == (2, 1)  # nothing stored as a revision
    listed = (await client.get(f"{WEB}/conflicts", headers=callers.dan)).json()
    assert [(e["id"], e["status"], e["base_revision"], e["head_revision"], e["count"], e["author"], e["message"])
            for e in listed] == [(problem["conflict_id"], "open", 1, 2, 1, "alice@example.com", "alice's edits")]
    detail = await client.get(f"{WEB}/conflicts/{problem['conflict_id']}", headers=callers.dan)
    assert detail.status_code == 200 and detail.json()["conflicts"] == problem["conflicts"]
    assert (await client.get(f"{WEB}/conflicts?status=resolved", headers=callers.dan)).json() == []
    assert (await client.get(f"{WEB}/conflicts?status=maybe", headers=callers.dan)).status_code == 400
    assert (await client.get(f"{WEB}/conflicts/{problem['conflict_id']}", headers=callers.eve)).status_code == 404
    assert (await client.get(f"{WEB}/conflicts/not-an-id", headers=callers.dan)).status_code == 404


async def test_a_push_from_the_conflicting_head_settles_the_pushers_open_entry(client: Client, db: AsyncSession,
                                                                              callers: Callers) -> None:
    problem = await conflict(client, callers, {"ms-111": {"title": "Bob's"}}, {"ms-111": {"title": "Alice's"}})
    # Another caller's push does not settle alice's entry; alice's own push made from revision 2 (she pulled,
    # settled it locally as `br resolve` does, and pushed again) does.
    _, plan = await current_plan(client, callers.bob)
    assert (await put(client, callers.bob, edited({"ms-112": {"owner": "bobby"}}, plan), '"2"')).status_code == 200
    assert [e["status"] for e in (await client.get(f"{WEB}/conflicts", headers=callers.dan)).json()] == ["open"]
    _, plan = await current_plan(client, callers.alice)
    settled = await put(client, callers.alice, edited({"ms-111": {"title": "Alice's, on Bob's"}}, plan), '"2"')
    assert settled.status_code == 200, settled.text
    [entry] = (await client.get(f"{WEB}/conflicts", headers=callers.dan)).json()
    assert (entry["id"], entry["status"]) == (problem["conflict_id"], "resolved")
    detail = (await client.get(f"{WEB}/conflicts/{problem['conflict_id']}", headers=callers.dan)).json()
    assert detail["resolved_revision"] == settled.json()["number"]


async def test_resolving_takes_ours_theirs_or_a_value(client: Client, db: AsyncSession, callers: Callers) -> None:
    problem = await conflict(
        client, callers, {"ms-111": {"title": "Bob 1"}, "ms-112": {"owner": "bobby"}, "ms-113": {"title": "Bob 3"}},
        {"ms-111": {"title": "Alice 1"}, "ms-112": {"owner": "ally"}, "ms-113": {"title": "Alice 3"}})
    ids = {item["path"]: item["id"] for item in problem["conflicts"]}  # type: ignore[attr-defined]
    resolutions = {ids["microstep[ms-111].title"]: {"choice": "ours"},
                   ids["microstep[ms-112].owner"]: {"choice": "theirs"},
                   ids["microstep[ms-113].title"]: {"choice": "value", "value": "Both 3"}}
    url = f"{WEB}/conflicts/{problem['conflict_id']}/resolve"
    resolved = await client.post(url, json={"resolutions": resolutions}, headers=callers.bob)
    assert resolved.status_code == 200, resolved.text
    answer = resolved.json()
    assert answer["revision"]["number"] == 3 and resolved.headers["etag"] == '"3"' and answer["merged"] is False
    assert (answer["conflict"]["status"], answer["conflict"]["resolved_revision"], answer["conflict"]["resolved_by"]) \
        == ("resolved", 3, "bob@example.com")
    _, plan = await current_plan(client, callers.bob)
    assert [microstep(plan, m)[f] for m, f in (("ms-111", "title"), ("ms-112", "owner"), ("ms-113", "title"))] \
        == ["Alice 1", "bobby", "Both 3"]
    again = await client.post(url, json={"resolutions": resolutions}, headers=callers.bob)
    assert again.status_code == 409 and "already resolved in revision 3" in again.json()["detail"]
    assert (await client.get(f"{WEB}/conflicts?status=open", headers=callers.bob)).json() == []


async def test_a_resolution_must_cover_every_conflict_and_fit(client: Client, db: AsyncSession,
                                                              callers: Callers) -> None:
    problem = await conflict(client, callers, {"ms-111": {"title": "B", "owner": "bobby"}},
                             {"ms-111": {"title": "A", "owner": "ally"}})
    first, second = (item["id"] for item in problem["conflicts"])  # type: ignore[attr-defined]
    url = f"{WEB}/conflicts/{problem['conflict_id']}/resolve"
    before = await fingerprint(db)
    missing = await client.post(url, json={"resolutions": {first: {"choice": "ours"}}}, headers=callers.alice)
    assert missing.status_code == 422 and second in missing.json()["detail"]
    assert missing.json()["field"] == "resolutions" and missing.json()["errors"][0]["conflict"] == second
    for resolutions, status in (({first: {"choice": "ours"}, second: {"choice": "ours"}, "nope": {"choice": "ours"}},
                                 422),
                                ({first: {"choice": "value"}, second: {"choice": "ours"}}, 422),
                                ({first: {"choice": "value", "value": 7}, second: {"choice": "ours"}}, 422),
                                ({first: {"choice": "maybe"}, second: {"choice": "ours"}}, 400)):
        answer = await client.post(url, json={"resolutions": resolutions}, headers=callers.alice)
        assert answer.status_code == status, (resolutions, answer.text)
    viewer = await client.post(url, json={"resolutions": {first: {"choice": "ours"}}}, headers=callers.dan)
    assert viewer.status_code == 403
    other = await client.post(url, json={"resolutions": {first: {"choice": "ours"}}}, headers=callers.eve)
    assert other.status_code == 404
    assert await fingerprint(db) == before


async def test_resolving_after_the_plan_moved_on_merges_again(client: Client, db: AsyncSession,
                                                              callers: Callers) -> None:
    problem = await conflict(client, callers, {"ms-111": {"title": "Bob's"}}, {"ms-111": {"title": "Alice's"}})
    (item,) = problem["conflicts"]  # type: ignore[misc]
    url = f"{WEB}/conflicts/{problem['conflict_id']}/resolve"
    _, head = await current_plan(client, callers.bob)
    later = edited({"ms-212": {"status": "blocked"}, "ms-111": {"title": "Carol's"}}, head)
    assert (await put(client, callers.bob, later, '"2"')).status_code == 200  # revision 3
    clash = await client.post(url, json={"resolutions": {item["id"]: {"choice": "ours"}}}, headers=callers.alice)
    assert clash.status_code == 409 and clash.json()["conflict_id"] == problem["conflict_id"]
    assert clash.json()["current"] == 3 and clash.json()["conflicts"][0]["remote"] == "Carol's"
    assert clash.json()["conflicts"][0]["base"] == "Bob's" and clash.json()["conflicts"][0]["local"] == "Alice's"
    entry = (await client.get(f"{WEB}/conflicts/{problem['conflict_id']}", headers=callers.alice)).json()
    assert (entry["status"], entry["base_revision"], entry["head_revision"]) == ("open", 2, 3)
    (item,) = entry["conflicts"]
    done = await client.post(url, json={"resolutions": {item["id"]: {"choice": "ours"}}}, headers=callers.alice)
    assert done.status_code == 200 and done.json()["revision"]["number"] == 4
    _, plan = await current_plan(client, callers.alice)
    assert microstep(plan, "ms-111")["title"] == "Alice's" and microstep(plan, "ms-212")["status"] == "blocked"


async def test_a_resolution_merges_cleanly_with_later_changes(client: Client, db: AsyncSession,
                                                             callers: Callers) -> None:
    problem = await conflict(client, callers, {"ms-111": {"title": "Bob's"}}, {"ms-111": {"title": "Alice's"}})
    (item,) = problem["conflicts"]  # type: ignore[misc]
    _, head = await current_plan(client, callers.bob)
    assert (await put(client, callers.bob, edited({"ms-212": {"status": "blocked"}}, head), '"2"')).status_code == 200
    done = await client.post(f"{WEB}/conflicts/{problem['conflict_id']}/resolve",
                             json={"resolutions": {item["id"]: {"choice": "theirs"}}}, headers=callers.alice)
    assert done.status_code == 200 and done.json()["merged"] is True and done.json()["revision"]["number"] == 4
    _, plan = await current_plan(client, callers.alice)
    assert microstep(plan, "ms-111")["title"] == "Bob's" and microstep(plan, "ms-212")["status"] == "blocked"


async def test_a_merged_plan_is_linted_like_an_upload(client: Client, db: AsyncSession, callers: Callers) -> None:
    removed = demo()
    step = removed["milestones"][0]["steps"][0]
    step["microsteps"] = [m for m in step["microsteps"] if m["id"] != "ms-113"]
    assert (await put(client, callers.bob, removed, '"1"')).status_code == 200
    # Alice's plan is valid on its own; merged with Bob's deletion it depends on a microstep that is gone.
    answer = await put(client, callers.alice, edited({"ms-212": {"depends_on": ["ms-113"]}}), '"1"')
    assert answer.status_code == 422 and [e["code"] for e in answer.json()["errors"]] == ["BR005"]
    assert await counts(db) == (2, 0)
    broken = await client.put(f"{WEB}/plan", content=b"{not json", headers={**callers.alice, **JSON, "If-Match": '"1"'})
    assert broken.status_code == 422 and broken.json()["errors"]
    future = await put(client, callers.alice, demo(), '"9"')
    assert future.status_code == 412 and future.json()["current_revision"] == 2
