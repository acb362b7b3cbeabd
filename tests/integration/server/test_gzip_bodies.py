"""Request bodies sent with ``Content-Encoding: gzip`` are inflated under the body limit; bad ones change nothing."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.conftest import plan_bytes
from tests.integration.server.conftest import Client, World, bearer

PLAN = "/api/v1/projects/WEB/plan"


async def write_headers(db: AsyncSession, world: World, **extra: str) -> dict[str, str]:
    return {**await bearer(db, world.alice, "plan:read", "plan:write"), "Content-Type": "application/json",
            "If-Match": '"0"', **extra}


async def test_a_gzip_plan_is_stored_as_sent(client: Client, db: AsyncSession, world: World) -> None:
    headers = await write_headers(db, world, **{"Content-Encoding": "gzip"})
    stored = await client.put(PLAN, content=gzip.compress(plan_bytes()), headers=headers)
    assert stored.status_code == 200, stored.text
    got = await client.get(PLAN, headers=headers)
    assert got.content == plan_bytes(), got.text


@pytest.mark.parametrize(("body", "encoding", "status", "words"), [
    (b"not gzip at all", "gzip", 400, "not valid gzip"),
    (gzip.compress(plan_bytes())[:200], "gzip", 400, "truncated"),
    (gzip.compress(b" " * 5_000_000), "gzip", 413, "larger than 200000 bytes once uncompressed"),
    (plan_bytes(), "br", 415, "Content-Encoding br is not supported"),
])
async def test_bad_encoded_bodies_are_refused_and_change_nothing(client: Client, db: AsyncSession, world: World,
                                                                 body: bytes, encoding: str, status: int,
                                                                 words: str) -> None:
    headers = await write_headers(db, world, **{"Content-Encoding": encoding})
    response = await client.put(PLAN, content=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert words in response.json()["detail"]
    assert (await client.get(PLAN, headers=headers)).status_code == 404  # still no plan
