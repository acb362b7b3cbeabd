"""``GET /p/{key}/live``, the browser's stream, on a live server: who may open it, presence as people come and go, a
comment arriving as a loader of the viewer's own rendering, status changes and the revision notice, typing pings, and
presence reaching the JSON API stream too."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Final

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import SessionService
from app.domain.projects.services import PlanService
from app.server.auth import SESSION_COOKIE
from app.server.csrf import CSRF_COOKIE
from tests.integration.conftest import PASSWORD, Client, World, plan_bytes
from tests.integration.live.conftest import Event, Keys, Reader, live_settings, served, stream
from tests.integration.live.test_api_stream import _with_status

PAGE: Final = "/p/WEB/live?entity=microstep:ms-212"
COMMENTS: Final = "/api/v1/projects/WEB/comments"


async def session(db: AsyncSession, email: str) -> dict[str, str]:
    """Cookie header of a signed-in browser."""
    _, token = await SessionService(db).login(email, PASSWORD)
    await db.commit()
    return {"Cookie": f"{SESSION_COOKIE}={token}"}


def jar(cookie_header: dict[str, str]) -> dict[str, str]:
    """The session cookie as a cookie jar's entry (so that the CSRF cookie can join it)."""
    name, _, value = cookie_header["Cookie"].partition("=")
    return {name: value}


async def next_of(reader: Reader, name: str) -> Event:
    """The next message named ``name`` (others, such as presence updates, are skipped)."""
    while True:
        message = await reader.next_event()
        if message.event == name:
            return message


async def test_who_may_open_the_page_stream(client: Client, db: AsyncSession, keys: Keys, world: World) -> None:
    anonymous = await client.get(PAGE, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    eve = await client.get(PAGE, headers=await session(db, "eve@example.com"), follow_redirects=False)
    assert eve.status_code == 404
    by_key = await client.get(PAGE, headers=keys.bob, follow_redirects=False)
    assert by_key.status_code == 403  # pages need a signed-in browser; API keys use /api/v1/.../events
    bad = await client.get("/p/WEB/live?entity=<script>", headers=await session(db, "bob@example.com"))
    assert bad.status_code in (400, 422) and "entity" in bad.text


async def test_viewers_come_and_go_and_a_comment_arrives_as_a_loader(
        database_url: str, tmp_path: Path, keys: Keys, db: AsyncSession) -> None:
    bob, carol = await session(db, "bob@example.com"), await session(db, "carol@example.com")
    async with served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http, \
            stream(http, PAGE, bob) as on_bob:
        alone = await next_of(on_bob, "presence")
        assert "Bob" in alone.data and "Carol" not in alone.data
        assert 'aria-labelledby="live-viewers-label"' in alone.data
        async with stream(http, PAGE, carol) as on_carol:
            both = await next_of(on_bob, "presence")
            assert "<li>Bob</li>" in both.data and "<li>Carol</li>" in both.data
            assert (await next_of(on_bob, "announce")).data == "Carol is viewing this page."
            posted = await http.post(COMMENTS, headers=keys.carol, json={
                "entity_type": "microstep", "entity_id": "ms-212", "body": "Ready for QA"})
            assert posted.status_code == 201, posted.text
            comment_id = posted.json()["id"]
            loader = await next_of(on_bob, "comment")
            assert loader.id is not None and int(loader.id) >= 1
            assert 'hx-swap-oob="beforeend:#threads"' in loader.data
            assert f'hx-get="/p/WEB/c/{comment_id}/live?event=comment.created&amp;part=thread"' in loader.data
            assert f'data-live-unless="comment-{comment_id}"' in loader.data
            # Carol's own page got nothing for her comment (her form's answer shows it), only presence so far.
            assert (await next_of(on_carol, "presence")).event == "presence"
        gone = await next_of(on_bob, "presence")
        assert "Carol" not in gone.data
        assert (await next_of(on_bob, "announce")).data == "Carol left this page."


async def test_a_page_gets_what_happened_between_its_render_and_its_connection(
        database_url: str, tmp_path: Path, keys: Keys, db: AsyncSession) -> None:
    bob = await session(db, "bob@example.com")
    async with served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http:
        before = await http.post(COMMENTS, headers=keys.carol, json={
            "entity_type": "microstep", "entity_id": "ms-212", "body": "before the page"})
        assert before.status_code == 201, before.text
        page = await http.get("/p/WEB/m/ms-212", headers=bob)
        connect = re.search(r'sse-connect="([^"]+)"', page.text)
        assert page.status_code == 200 and connect is not None
        stream_url = html.unescape(connect.group(1))
        assert re.fullmatch(r"/p/WEB/live\?entity=microstep%3Ams-212&at=\d{13}", stream_url), stream_url
        between = await http.post(COMMENTS, headers=keys.carol, json={
            "entity_type": "microstep", "entity_id": "ms-212", "body": "between render and connect"})
        assert between.status_code == 201, between.text
        async with stream(http, stream_url, bob) as on_page:
            loader = await next_of(on_page, "comment")
        assert between.json()["id"] in loader.data and before.json()["id"] not in loader.data
        assert loader.id == "2"
        refused = await http.get("/p/WEB/live?at=yesterday", headers=bob)
        assert refused.status_code == 422 and "at" in refused.text


async def test_a_comment_on_another_item_is_not_sent(
        database_url: str, tmp_path: Path, keys: Keys, db: AsyncSession) -> None:
    bob = await session(db, "bob@example.com")
    async with served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http, \
            stream(http, PAGE, bob) as on_bob:
        await next_of(on_bob, "presence")
        for item in ("ms-213", "ms-212"):
            posted = await http.post(COMMENTS, headers=keys.carol, json={
                "entity_type": "microstep", "entity_id": item, "body": f"about {item}"})
            assert posted.status_code == 201, posted.text
        loader = await next_of(on_bob, "comment")
    assert loader.id == "2" and posted.json()["id"] in loader.data  # event 1 (ms-213) was skipped


async def test_a_status_change_updates_the_badge_and_shows_the_notice(
        database_url: str, tmp_path: Path, keys: Keys, db: AsyncSession, world: World) -> None:
    dan = await session(db, "dan@example.com")
    async with served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http, \
            stream(http, PAGE, dan) as on_page, stream(http, "/p/WEB/live", dan) as on_plan:
        await next_of(on_page, "presence")
        await PlanService(db).save(world.bob, "WEB", _with_status(plan_bytes(), "ms-212", "in_progress"),
                                   expected_revision=1)
        status = await next_of(on_page, "status")
        notice = await next_of(on_page, "revision")
        on_plan_status = await next_of(on_plan, "status")
        announce = await next_of(on_plan, "announce")  # the microstep page's own status region announces there
    assert status.id == "1" and '<span id="live-status-ms-212" hx-swap-oob="innerHTML">' in status.data
    assert 'class="badge status-in_progress"' in status.data and "In progress" in status.data
    assert "revision 2" in notice.data and '<a href="">' in notice.data
    assert announce.data == "The plan was updated to revision 2."
    assert "live-status-ms-212" in on_plan_status.data


async def test_typing_is_announced_once_and_reaches_api_clients_as_presence(
        database_url: str, tmp_path: Path, keys: Keys, db: AsyncSession) -> None:
    bob, carol = await session(db, "bob@example.com"), await session(db, "carol@example.com")
    async with served(live_settings(database_url, tmp_path)) as (url, _app), \
            httpx.AsyncClient(base_url=url) as http, \
            httpx.AsyncClient(base_url=url, cookies=jar(carol)) as carol_http, \
            stream(http, PAGE, bob) as on_bob, stream(http, "/api/v1/projects/WEB/events", keys.bob) as on_api:
        await next_of(on_bob, "presence")
        await carol_http.get("/healthz")
        token = carol_http.cookies[CSRF_COOKIE]
        refused = await carol_http.post("/p/WEB/typing", data={"entity": "microstep:ms-212"})
        assert refused.status_code == 403  # no CSRF token
        for _ in range(2):  # the second ping comes too soon: ignored, not announced again
            pinged = await carol_http.post("/p/WEB/typing", data={"entity": "microstep:ms-212"},
                                           headers={"X-CSRFToken": token})
            assert pinged.status_code == 204
        typing = await next_of(on_bob, "presence")
        assert "Carol is typing…" in typing.data and 'id="live-typing"' in typing.data
        assert (await next_of(on_bob, "announce")).data == "Carol is typing…"
        beat = await carol_http.post("/p/WEB/presence", data={"entity": "microstep:ms-212"},
                                     headers={"X-CSRFToken": token})
        assert beat.status_code == 204
        as_json = await next_of(on_api, "presence")
    assert as_json.id is None  # presence is a state: never numbered, never replayed
    payload = json.loads(as_json.data)
    assert payload["type"] == "presence" and payload["data"]["change"]["kind"] in ("join", "typing")
    assert {v["name"] for v in payload["data"]["viewers"]} >= {"Bob"}


@pytest.mark.parametrize("hx", [True, False])
async def test_a_comment_rendered_for_its_viewer(client: Client, db: AsyncSession, keys: Keys, hx: bool) -> None:
    posted = await client.post(COMMENTS, headers=keys.carol, json={
        "entity_type": "microstep", "entity_id": "ms-212", "body": "Ready for **QA**"})
    comment_id = posted.json()["id"]
    url = f"/p/WEB/c/{comment_id}/live?event=comment.created&part=thread"
    headers = {"HX-Request": "true"} if hx else {}
    as_carol = await client.get(url, headers={**headers, **await session(db, "carol@example.com")},
                                follow_redirects=False)
    if not hx:  # a browser without htmx goes to the comment's permalink
        assert as_carol.status_code == 303 and as_carol.headers["location"] == f"/p/WEB/c/{comment_id}"
        return
    assert as_carol.status_code == 200 and as_carol.headers["vary"] == "HX-Request" and "<html" not in as_carol.text
    assert f'id="thread-{comment_id}"' in as_carol.text and f'id="comment-{comment_id}"' in as_carol.text
    assert "<strong>QA</strong>" in as_carol.text and "/edit" in as_carol.text  # her own: she may edit it
    assert 'hx-swap-oob="innerHTML">Carol commented on ms-212.</span>' in as_carol.text
    as_dan = await client.get(url.replace("part=thread", "part=reply"),
                              headers={**headers, **await session(db, "dan@example.com")})
    assert as_dan.status_code == 200 and as_dan.text.lstrip().startswith("<li>") and "/edit" not in as_dan.text
    eve = await client.get(url, headers={**headers, **await session(db, "eve@example.com")})
    assert eve.status_code == 404


async def test_a_reconnecting_page_gets_the_loaders_it_missed_once(
        database_url: str, tmp_path: Path, keys: Keys, db: AsyncSession) -> None:
    bob = await session(db, "bob@example.com")
    async with served(live_settings(database_url, tmp_path)) as (url, _app), httpx.AsyncClient(base_url=url) as http:
        for n in range(2):
            posted = await http.post(COMMENTS, headers=keys.carol, json={
                "entity_type": "microstep", "entity_id": "ms-212", "body": f"while away {n}"})
            assert posted.status_code == 201
        async with stream(http, PAGE, {**bob, "Last-Event-ID": "1"}) as on_bob:
            replayed = await next_of(on_bob, "comment")
            assert replayed.id == "2" and posted.json()["id"] in replayed.data
            await http.post(COMMENTS, headers=keys.carol, json={
                "entity_type": "microstep", "entity_id": "ms-212", "body": "back"})
            assert (await next_of(on_bob, "comment")).id == "3"  # event 2 was not sent twice


async def test_presence_heartbeat_needs_csrf_and_a_valid_item(database_url: str, tmp_path: Path,
                                                               db: AsyncSession, keys: Keys) -> None:
    carol = await session(db, "carol@example.com")
    async with served(live_settings(database_url, tmp_path)) as (url, _app), \
            httpx.AsyncClient(base_url=url, cookies=jar(carol)) as http:
        await http.get("/healthz")
        token = {"X-CSRFToken": http.cookies[CSRF_COOKIE]}
        assert (await http.post("/p/WEB/presence", data={"entity": ""})).status_code == 403
        assert (await http.post("/p/WEB/presence", data={"entity": ""}, headers=token)).status_code == 204
        bad = await http.post("/p/WEB/presence", data={"entity": "microstep:<b>"}, headers=token)
        assert bad.status_code in (400, 422) and "entity" in bad.text
        other = await http.post("/p/NOPE/presence", data={"entity": ""}, headers=token)
        assert other.status_code == 404


@pytest.mark.parametrize("path", ["/p/WEB/presence", "/p/WEB/typing"])
async def test_who_may_ping(client: Client, db: AsyncSession, keys: Keys, path: str) -> None:
    await client.get("/healthz")
    token = {"X-CSRFToken": client.cookies[CSRF_COOKIE]}
    anonymous = await client.post(path, data={"entity": ""}, headers=token, follow_redirects=False)
    assert anonymous.status_code in (302, 303, 401)
    for email, status in (("eve@example.com", 404), ("dan@example.com", 204), ("carol@example.com", 204)):
        client.cookies.set(SESSION_COOKIE, jar(await session(db, email))[SESSION_COOKIE])
        answer = await client.post(path, data={"entity": "microstep:ms-212"}, headers=token)
        assert answer.status_code == status, (email, answer.text[:300])
    client.cookies.delete(SESSION_COOKIE)
    by_key = await client.post(path, data={"entity": ""}, headers={**token, **keys.bob})
    assert by_key.status_code == 403
