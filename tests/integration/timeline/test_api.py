"""``GET /api/v1/projects/{key}/timeline`` and ``.../burnup``: JSON, filters, paging, refusals as problem+json."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.api.conftest import key_caller
from tests.integration.conftest import Client, World
from tests.integration.timeline.conftest import Story

TIMELINE = "/api/v1/projects/WEB/timeline"


async def test_events_and_burnup_as_json(client: Client, db: AsyncSession, world: World, told: Story) -> None:
    headers = (await key_caller(db, "reader", world.dan, "plan:read")).headers
    page = await client.get(TIMELINE, params={"limit": "10"}, headers=headers)
    assert page.status_code == 200, page.text
    body = page.json()
    assert len(body["events"]) == 10 and body["next_before"] == body["events"][-1]["seq"]
    first = body["events"][0]
    assert first["kind"] == "policy" and first["summary"] == "The operator changed the policy"
    assert first["entity"] == {"kind": "policy", "id": "policy", "url": "/p/WEB/policy", "title": None}
    rest = await client.get(TIMELINE, params={"before": str(body["next_before"])}, headers=headers)
    assert [event["summary"] for event in rest.json()["events"]][-1] == "Alice uploaded the first revision of the plan"
    assert rest.json()["next_before"] is None
    filtered = await client.get(f"{TIMELINE}?kind=status&kind=sync&actor=bob@example.com&entity=ms-21",
                                headers=headers)
    assert [(event["kind"], event["entity"]["id"]) for event in filtered.json()["events"]] == [
        ("status", "ms-213"), ("status", "ms-212")]
    synced = (await client.get(TIMELINE, params={"kind": "sync"}, headers=headers)).json()["events"]
    assert synced[0]["summary"] == "Bob (API key) synced revision 4 (2 status changes)"
    assert synced[0]["actor"] == "bob@example.com [key 00000000-0000-0000-0000-000000000007]"
    assert synced[0]["details"]["via"] == "sync" and synced[0]["created_at"].endswith("Z")
    burnup = await client.get("/api/v1/projects/WEB/burnup", headers=headers)
    assert burnup.status_code == 200, burnup.text
    assert [(p["revision"], p["done"], p["total"]) for p in burnup.json()["points"]] == [
        (1, 6, 30), (2, 6, 30), (3, 7, 30), (4, 7, 30), (5, 7, 30)]
    assert burnup.json()["revisions"] == 5 and burnup.json()["downsampled"] is False
    assert (await client.get("/api/v1/projects/WEB/burnup?points=2", headers=headers)).json()["downsampled"]


@pytest.mark.parametrize(("query", "field"), [
    ("kind=gossip", "kind"), ("kind=status,%00", "kind"), ("actor=al%00ice", "actor"),
    ("before=100000000000000000000000000000", "before"), ("before=-1", "before"), ("since=31/01/2026", "since"),
    ("until=2026-02-30", "until"),
])
async def test_bad_filters_answer_422_naming_the_parameter(client: Client, db: AsyncSession, world: World,
                                                           query: str, field: str) -> None:
    headers = (await key_caller(db, "reader", world.alice, "plan:read")).headers
    response = await client.get(f"{TIMELINE}?{query}", headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.text


async def test_refusals(client: Client, db: AsyncSession, world: World) -> None:
    assert (await client.get(TIMELINE)).status_code == 401
    eve = (await key_caller(db, "eve", world.eve, "plan:read")).headers
    assert (await client.get(TIMELINE, headers=eve)).status_code == 404  # another organization's project
    assert (await client.get("/api/v1/projects/WEB/burnup", headers=eve)).status_code == 404
    wrong = (await key_caller(db, "comments", world.alice, "comments:write")).headers
    assert (await client.get(TIMELINE, headers=wrong)).status_code == 403
    alice = (await key_caller(db, "alice", world.alice, "plan:read")).headers
    for query in ("limit=0", "limit=201", "limit=many"):
        response = await client.get(f"{TIMELINE}?{query}", headers=alice)
        assert response.status_code == 400 and "limit" in response.text
    assert (await client.get("/api/v1/projects/WEB/burnup?points=1", headers=alice)).status_code == 400
    empty = await client.get(TIMELINE, headers=alice)
    assert empty.status_code == 200 and empty.json() == {"events": [], "next_before": None}


async def test_the_routes_are_documented(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    listing = schema["paths"]["/api/v1/projects/{key}/timeline"]["get"]
    assert listing["operationId"] == "timeline.list" and {"200", "404", "422"} <= set(listing["responses"])
    assert {parameter["name"] for parameter in listing["parameters"]} >= {"actor", "kind", "entity", "since", "until",
                                                                          "before", "limit", "org"}
    burnup = schema["paths"]["/api/v1/projects/{key}/burnup"]["get"]
    assert burnup["operationId"] == "timeline.burnup" and "404" in burnup["responses"]
