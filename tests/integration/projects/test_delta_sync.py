"""Deltas for sync: ``PATCH .../plan`` with a delta and ``GET .../plan/delta`` (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from buildrunner.merge import apply_delta, diff
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


@pytest.fixture
async def callers(db: AsyncSession, world: World) -> Callers:
    """WEB at revision 1 and a key for each caller."""
    return await with_plan(db, world)


async def test_a_patch_from_the_current_revision_stores_what_the_client_has(client: Client, db: AsyncSession,
                                                                            callers: Callers) -> None:
    number, base = await current_plan(client, callers.alice)
    local = edited({"ms-212": {"status": "in_progress", "owner": "alice"}}, base)
    answer = await client.patch(f"{WEB}/plan", json={"delta": diff(base, local)},
                                headers={**callers.alice, "If-Match": f'"{number}"', "X-BR-Message": "from br"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == '"2"' and answer.json()["merged"] is False and answer.json()["delta"] is None
    assert answer.json()["revision"]["number"] == 2 and answer.json()["revision"]["message"] == "from br"
    assert (await current_plan(client, callers.alice)) == (2, local)
    vendor = await client.patch(f"{WEB}/plan", content=b'{"delta": null}', headers={
        **callers.alice, "Content-Type": "application/vnd.buildrunner.delta+json", "If-Match": '"2"'})
    assert vendor.status_code == 200 and vendor.json()["revision"]["number"] == 2  # nothing changed


async def test_a_stale_patch_is_merged_and_answers_the_way_to_the_stored_plan(client: Client, db: AsyncSession,
                                                                             callers: Callers) -> None:
    assert (await put(client, callers.bob, edited({"ms-111": {"title": "Bob's"}}), '"1"')).status_code == 200
    local = edited({"ms-212": {"status": "blocked"}})
    answer = await client.patch(f"{WEB}/plan", json={"delta": diff(demo(), local)},
                                headers={**callers.alice, "If-Match": '"1"'})
    assert answer.status_code == 200 and answer.json()["merged"] is True and answer.headers["etag"] == '"3"'
    number, stored = await current_plan(client, callers.alice)
    assert number == 3 and apply_delta(local, answer.json()["delta"]) == stored
    assert microstep(stored, "ms-111")["title"] == "Bob's" and microstep(stored, "ms-212")["status"] == "blocked"
    clash = await client.patch(f"{WEB}/plan", json={"delta": diff(demo(), edited({"ms-111": {"title": "Mine"}}))},
                               headers={**callers.alice, "If-Match": '"1"'})
    assert clash.status_code == 409 and clash.json()["conflicts"][0]["remote"] == "Bob's"
    assert await counts(db) == (3, 1)


async def test_a_bad_patch_changes_nothing(client: Client, db: AsyncSession, callers: Callers) -> None:
    before = await fingerprint(db)
    headers = {**callers.alice, "If-Match": '"1"'}
    for delta in ({"p": {}}, {"o": {"milestones": {"p": {"m-9": {"o": {}}}}}}, {"o": {"nope": {"o": {}}}}, 5,
                  {"=": []}):
        answer = await client.patch(f"{WEB}/plan", json={"delta": delta}, headers=headers)
        assert answer.status_code == 422, (delta, answer.text)
    fitted = await client.patch(f"{WEB}/plan", json={"delta": {"p": {}}}, headers=headers)
    assert fitted.json()["field"] == "delta" and "revision 1" in fitted.json()["detail"]
    assert (await client.patch(f"{WEB}/plan", json={"delta": None}, headers=callers.alice)).status_code == 428
    star = await client.patch(f"{WEB}/plan", json={"delta": None}, headers={**callers.alice, "If-Match": "*"})
    assert star.status_code == 428
    for if_match in ('"0"', '"7"'):
        stale = await client.patch(f"{WEB}/plan", json={"delta": None}, headers={**callers.alice, "If-Match": if_match})
        assert stale.status_code == 412 and stale.json()["current_revision"] == 1
    assert (await client.patch(f"{WEB}/plan", json={"change": None}, headers=headers)).status_code == 400
    assert (await client.patch(f"{WEB}/plan", json={"delta": None}, headers={**callers.dan, "If-Match": '"1"'})
            ).status_code == 403
    assert (await client.patch(f"{WEB}/plan", json={"delta": None}, headers={**callers.eve, "If-Match": '"1"'})
            ).status_code == 404
    assert await fingerprint(db) == before


async def test_a_delta_from_any_revision_rebuilds_the_current_plan(client: Client, db: AsyncSession,
                                                                   callers: Callers) -> None:
    plans = {1: demo()}
    for number, change in enumerate(({"ms-111": {"title": "Two"}}, {"ms-212": {"status": "review", "tags": []}}),
                                    start=2):
        plans[number] = edited(change, plans[number - 1])
        assert (await put(client, callers.bob, plans[number], f'"{number - 1}"')).status_code == 200
    moved = edited({}, plans[3])
    moved["milestones"][0]["steps"][0]["microsteps"].reverse()
    del moved["milestones"][2]
    plans[4] = moved
    assert (await put(client, callers.bob, moved, '"3"')).status_code == 200
    for start in (1, 2, 3):
        answer = await client.get(f"{WEB}/plan/delta?from={start}", headers=callers.dan)
        assert answer.status_code == 200 and answer.headers["etag"] == '"4"'
        assert (answer.json()["from"], answer.json()["to"]) == (start, 4)
        assert apply_delta(plans[start], answer.json()["delta"]) == plans[4]
    assert len((await client.get(f"{WEB}/plan/delta?from=3", headers=callers.dan)).content) < 2000  # not the plan
    same = await client.get(f"{WEB}/plan/delta?from=4", headers=callers.dan)
    assert same.json() == {"from": 4, "to": 4, "delta": None}
    assert (await client.get(f"{WEB}/plan/delta?from=5", headers=callers.dan)).status_code == 404
    for bad in ("0", "abc", "-1", ""):
        assert (await client.get(f"{WEB}/plan/delta?from={bad}", headers=callers.dan)).status_code == 400, bad
    assert (await client.get(f"{WEB}/plan/delta", headers=callers.dan)).status_code == 400
    assert (await client.get(f"{WEB}/plan/delta?from=1", headers=callers.eve)).status_code == 404


async def test_the_json_body_must_be_json(client: Client, callers: Callers) -> None:
    answer = await client.patch(f"{WEB}/plan", content=b"{", headers={**callers.alice, **JSON, "If-Match": '"1"'})
    assert answer.status_code == 400
