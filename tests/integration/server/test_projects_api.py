"""``/api/v1/projects`` and ``/api/v1/projects/{key}/plan``: listing, creating, ETags and If-Match."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.conftest import plan_bytes
from tests.integration.server.conftest import Client, World, bearer

JSON = {"Content-Type": "application/json"}


async def test_list_projects_with_progress(client: Client, db: AsyncSession, world: World) -> None:
    headers = await bearer(db, world.alice, "admin")
    put = await client.put("/api/v1/projects/web/plan", content=plan_bytes(), headers={**headers, **JSON,
                                                                                        "If-Match": '"0"'})
    assert put.status_code == 200, put.text
    listed = await client.get("/api/v1/projects", headers=headers)
    assert listed.status_code == 200
    [project] = listed.json()
    assert (project["key"], project["organization"], project["current_revision"]) == ("WEB", "acme", 1)
    assert project["progress"]["total"] == 30 and project["progress"]["done"] == 6
    assert (await client.get("/api/v1/projects", headers=await bearer(db, world.eve, "plan:read"))).json() == []


async def test_plan_round_trip_with_etag_and_if_match(client: Client, db: AsyncSession, world: World) -> None:
    headers = await bearer(db, world.bob, "plan:read", "plan:write")
    missing = await client.get("/api/v1/projects/WEB/plan", headers=headers)
    assert missing.status_code == 404 and "no plan yet" in missing.json()["detail"]
    no_if_match = await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(), headers={**headers, **JSON})
    assert no_if_match.status_code == 428
    first = await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(),
                             headers={**headers, **JSON, "If-Match": '"0"'})
    assert first.status_code == 200 and first.headers["etag"] == '"1"'
    got = await client.get("/api/v1/projects/WEB/plan", headers=headers)
    assert got.status_code == 200 and got.headers["etag"] == '"1"'
    assert got.content == plan_bytes()
    second = await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(x=1),
                              headers={**headers, **JSON, "If-Match": got.headers["etag"]})
    assert second.status_code == 200 and second.json()["number"] == 2
    # A push from an older revision is merged; the same field changed two ways is a conflict (see
    # tests/integration/projects/test_sync_api.py), and If-Match of a revision that does not exist is still 412.
    stale = await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(x=2),
                             headers={**headers, **JSON, "If-Match": '"1"'})
    assert stale.status_code == 409
    assert stale.headers["content-type"].startswith("application/problem+json")
    assert stale.json()["current"] == 2 and stale.json()["conflicts"][0]["path"] == "$.x"
    future = await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(x=2),
                              headers={**headers, **JSON, "If-Match": '"3"'})
    assert future.status_code == 412 and future.json()["current_revision"] == 2


async def test_invalid_plan_gets_422_with_findings(client: Client, db: AsyncSession, world: World) -> None:
    headers = {**await bearer(db, world.alice, "plan:write"), **JSON, "If-Match": '"0"'}
    raw = json.loads(plan_bytes())
    del raw["project"]
    response = await client.put("/api/v1/projects/WEB/plan", content=json.dumps(raw), headers=headers)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "plan" and body["errors"][0]["code"] == "BR003"
    nul = await client.put("/api/v1/projects/WEB/plan", content=b'{"version": 1\x00}', headers=headers)
    assert nul.status_code == 422


async def test_bad_bodies_are_4xx_and_change_nothing(client: Client, db: AsyncSession, world: World) -> None:
    headers = {**await bearer(db, world.alice, "plan:write", "plan:read"), "If-Match": '"0"'}
    too_big = await client.put("/api/v1/projects/WEB/plan", content=b" " * 300_000, headers={**headers, **JSON})
    assert too_big.status_code == 413
    wrong_type = await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(),
                                  headers={**headers, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    bad_etag = await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(),
                                headers={**headers, **JSON, "If-Match": "99999999999999999999"})
    assert bad_etag.status_code == 428
    assert (await client.get("/api/v1/projects/WEB/plan", headers=headers)).status_code == 404


async def test_other_org_scope_and_role_checks(client: Client, db: AsyncSession, world: World) -> None:
    alice = await bearer(db, world.alice, "admin")
    await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(), headers={**alice, **JSON, "If-Match": '"0"'})
    eve = await bearer(db, world.eve, "admin")
    assert (await client.get("/api/v1/projects/WEB/plan", headers=eve)).status_code == 404
    assert (await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(),
                             headers={**eve, **JSON, "If-Match": "*"})).status_code == 404
    read_only = await bearer(db, world.bob, "plan:read")
    assert (await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(x=1),
                             headers={**read_only, **JSON, "If-Match": '"1"'})).status_code == 403
    carol = await bearer(db, world.carol, "plan:write")  # QA may not edit the plan wholesale
    assert (await client.put("/api/v1/projects/WEB/plan", content=plan_bytes(x=1),
                             headers={**carol, **JSON, "If-Match": '"1"'})).status_code == 403
    create = await client.post("/api/v1/projects", json={"org": "acme", "key": "X", "name": "X"}, headers=read_only)
    assert create.status_code == 403
