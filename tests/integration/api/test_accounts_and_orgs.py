"""API keys and organizations through ``/api/v1``, against SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.api.conftest import Client, Team, key_caller


async def test_api_keys_create_list_use_and_revoke(client: Client, db: AsyncSession, team: Team) -> None:
    admin = (await key_caller(db, "admin", team.world.bob, "admin")).headers
    created = await client.post("/api/v1/api-keys", headers=admin,
                                json={"name": "CI clé 🔑", "scopes": ["plan:read", "plan:read"], "expires_days": 7})
    assert created.status_code == 201, created.text
    secret, info = created.json()["secret"], created.json()["info"]
    assert secret.startswith(info["prefix"] + "_") and info["scopes"] == ["plan:read"] and info["expires_at"]
    listed = (await client.get("/api/v1/api-keys", headers=admin)).json()
    assert [k["name"] for k in listed][:2] == ["CI clé 🔑", "admin"] and all("secret" not in k for k in listed)
    new = {"Authorization": f"Bearer {secret}"}
    assert (await client.get("/api/v1/projects/WEB", headers=new)).status_code == 200
    assert (await client.get("/api/v1/api-keys", headers=new)).status_code == 403  # managing keys needs admin
    revoked = await client.delete(f"/api/v1/api-keys/{info['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert (await client.get("/api/v1/projects/WEB", headers=new)).status_code == 401
    forever = await client.post("/api/v1/api-keys", headers=admin,
                                json={"name": "forever", "scopes": ["admin"], "expires_days": None})
    assert forever.json()["info"]["expires_at"] is None
    theirs = await client.delete(f"/api/v1/api-keys/{info['id']}",
                                 headers=(await key_caller(db, "a", team.world.alice, "admin")).headers)
    assert theirs.status_code == 404  # someone else's key does not exist for you


async def test_org_bound_keys_cannot_mint_wider_keys(client: Client, db: AsyncSession, team: Team) -> None:
    eve = (await key_caller(db, "eve", team.world.eve, "admin")).headers
    assert (await client.post("/api/v1/api-keys", headers=eve,
                              json={"name": "x", "scopes": ["admin"], "org": "acme"})).status_code == 404
    alice = (await key_caller(db, "alice", team.world.alice, "admin")).headers
    assert (await client.post("/api/v1/orgs", json={"slug": "side", "name": "Side"}, headers=alice)).status_code == 201
    bound = await client.post("/api/v1/api-keys", headers=alice, json={"name": "b", "scopes": ["admin"], "org": "acme"})
    bound_headers = {"Authorization": f"Bearer {bound.json()['secret']}"}
    assert [o["slug"] for o in (await client.get("/api/v1/orgs", headers=bound_headers)).json()] == ["acme"]
    minted = await client.post("/api/v1/api-keys", headers=bound_headers, json={"name": "m", "scopes": ["admin"]})
    minted_headers = {"Authorization": f"Bearer {minted.json()['secret']}"}
    assert [o["slug"] for o in (await client.get("/api/v1/orgs", headers=minted_headers)).json()] == ["acme"]
    assert (await client.get("/api/v1/orgs/side/members", headers=minted_headers)).status_code == 404


async def test_orgs_list_create_and_members(client: Client, db: AsyncSession, team: Team) -> None:
    alice = (await key_caller(db, "alice", team.world.alice, "admin")).headers
    assert (await client.get("/api/v1/orgs", headers=alice)).json() == [
        {"slug": "acme", "name": "Acme", "role": "owner"}]
    created = await client.post("/api/v1/orgs", json={"slug": "Umlaut", "name": "Ümlaut & Söhne 🚀"}, headers=alice)
    assert created.status_code == 201 and created.json() == {"slug": "umlaut", "name": "Ümlaut & Söhne 🚀",
                                                             "role": "owner"}
    taken = await client.post("/api/v1/orgs", json={"slug": "globex", "name": "Mine"}, headers=alice)
    assert taken.status_code == 409 and "taken" in taken.json()["detail"]
    members = (await client.get("/api/v1/orgs/acme/members", headers=alice)).json()
    assert members[0] == {"email": "alice@example.com", "name": "Alice", "role": "owner"} and len(members) == 6
    eve = (await key_caller(db, "eve", team.world.eve, "plan:read")).headers
    assert (await client.get("/api/v1/orgs/acme/members", headers=eve)).status_code == 404
    assert [o["slug"] for o in (await client.get("/api/v1/orgs", headers=eve)).json()] == ["globex"]


async def test_openapi_lists_every_operation_and_is_valid(client: Client) -> None:
    from openapi_spec_validator import validate  # noqa: PLC0415

    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert spec["openapi"].startswith("3.1")
    operations = {op["operationId"]: (method, path, op) for path, item in spec["paths"].items()
                  for method, op in item.items() if path.startswith("/api/v1")}
    from tests.integration.api.catalog import ENDPOINTS  # noqa: PLC0415

    assert set(operations) == set(ENDPOINTS)
    for operation_id, (method, _, op) in operations.items():
        assert op["summary"] and op["tags"], operation_id
        assert "401" in op["responses"] and "403" in op["responses"], operation_id
        assert op["responses"]["401"]["content"].keys() == {"application/problem+json"}, operation_id
        if method in ("post", "put"):
            assert {"413", "415"} <= op["responses"].keys(), operation_id
    plan_put = spec["paths"]["/api/v1/projects/{key}/plan"]["put"]
    assert plan_put["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Plan"}
    for _, path, op in operations.values():
        if "{key}/plan" in path or "{number}" in path or "{microstep_id}" in path:
            assert "ETag" in op["responses"]["200"]["headers"], path
    assert (await client.get("/schema")).status_code == 200
