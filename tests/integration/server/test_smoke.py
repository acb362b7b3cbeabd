"""The app end to end through Litestar's test client: health, error mapping, authentication and CSRF."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.server.auth import SESSION_COOKIE
from app.server.csrf import CSRF_COOKIE, CSRF_HEADER
from tests.integration.server.conftest import Client, World, bearer, session_token

NEW_PROJECT = {"org": "acme", "key": "api", "name": "Public API"}


async def test_healthz(client: Client) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_unknown_api_route_is_problem_json(client: Client) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["status"], body["title"], body["instance"]) == (404, "Not found", "/api/v1/nothing-here")


async def test_unknown_page_is_an_accessible_html_error_page(client: Client) -> None:
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in response.text and 'href="#main"' in response.text and "<main" in response.text
    assert "Traceback" not in response.text


async def test_anonymous_and_bad_keys_get_401(client: Client) -> None:
    anonymous = await client.get("/api/v1/projects")
    assert anonymous.status_code == 401 and anonymous.json()["type"].endswith("/unauthorized")
    bad = await client.get("/api/v1/projects", headers={"Authorization": "Bearer br_00000000_nope"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"].startswith("Bearer")


async def test_cookie_post_without_csrf_token_is_refused(client: Client, db: AsyncSession, world: World) -> None:
    client.cookies.set(SESSION_COOKIE, await session_token(db, "alice@example.com"))
    refused = await client.post("/api/v1/projects", json=NEW_PROJECT)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    page = await client.get("/api/v1/projects")  # a safe request hands out the CSRF cookie
    assert page.status_code == 200
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    accepted = await client.post("/api/v1/projects", json=NEW_PROJECT, headers={CSRF_HEADER: token})
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["key"] == "API"


async def test_bearer_post_needs_no_csrf_token(client: Client, db: AsyncSession, world: World) -> None:
    response = await client.post("/api/v1/projects", json=NEW_PROJECT, headers=await bearer(db, world.bob, "admin"))
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "PM"


async def test_session_cookie_is_httponly_lax(client: Client) -> None:
    from app.server.auth import session_cookie  # noqa: PLC0415

    header = session_cookie("abc", client.app.state.settings).to_header(header="")
    assert "HttpOnly" in header and "SameSite=lax" in header and "Secure" not in header


async def test_malformed_json_body_is_a_4xx_naming_the_problem(client: Client, db: AsyncSession, world: World) -> None:
    headers = {**await bearer(db, world.alice, "admin"), "Content-Type": "application/json"}
    response = await client.post("/api/v1/projects", content=b'{"org": "acme", "key": 5', headers=headers)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    missing = await client.post("/api/v1/projects", json={"org": "acme"}, headers=headers)
    assert missing.status_code == 400 and "key" in missing.json()["detail"]


async def test_unexpected_errors_are_logged_and_answered_without_a_traceback(client: Client) -> None:
    from litestar import get  # noqa: PLC0415

    @get("/api/v1/boom", sync_to_thread=False)
    def api_boom() -> None:
        raise RuntimeError("secret internals")

    @get("/boom", sync_to_thread=False)
    def page_boom() -> None:
        raise RuntimeError("secret internals")

    client.app.register(api_boom)
    client.app.register(page_boom)
    api = await client.get("/api/v1/boom")
    assert api.status_code == 500 and api.json()["title"] == "Server error"
    assert "secret internals" not in api.text
    page = await client.get("/boom")
    assert page.status_code == 500 and "<main" in page.text
    assert "secret internals" not in page.text and "Traceback" not in page.text
