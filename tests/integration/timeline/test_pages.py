"""The timeline page: full page and htmx fragment, the chart's text alternatives, filters, paging and refusals.

Pages add rendering, not SQL: like the other page tests they run on SQLite only (the services run on both).
"""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.audit.services import AuditEvent, record_many
from app.domain.projects.services import ProjectService
from app.domain.timeline.services import TimelineService
from tests.conftest import sqlite_only
from tests.integration.conftest import Client, World
from tests.integration.timeline.conftest import Story
from tests.integration.web._project_helpers import assert_fragment, assert_full_page, assert_labelled, get
from tests.integration.web.conftest import HX, sign_in

database_url = sqlite_only()


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def _table_rows(page: str) -> list[tuple[int, int, int]]:
    table = page[page.index('<details class="burnup-data">'):page.index("</details>")]
    rows = re.findall(r"<tr>\s*<td>.*?</td>\s*<th scope=\"row\">(\d+)</th>\s*<td>(\d+)</td>\s*<td>(\d+)</td>", table,
                      re.S)
    return [(int(number), int(done), int(total)) for number, done, total in rows]


async def test_the_page_shows_the_burnup_with_its_text_alternatives_and_the_events(
        client: Client, db: AsyncSession, world: World, told: Story) -> None:
    await sign_in(client, db, "dan@example.com")  # a Viewer
    page = assert_full_page(await get(client, "/p/WEB/timeline"))
    assert "<h1>Timeline of Web shop</h1>" in page and 'aria-current="page">Timeline</a>' in page
    assert 'href="/static/css/timeline.css"' in page
    svg = page[page.index("<svg class=\"burnup-chart\""):page.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="burnup-title burnup-desc"' in svg
    assert '<title id="burnup-title">Burn-up of Web shop</title>' in svg
    description = _text(svg[svg.index('<desc id="burnup-desc">'):svg.index("</desc>")])
    assert re.fullmatch(r"From \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d \(revisions 1 to 5\), microsteps done went from 6 "
                        r"to 7 and microsteps in all from 30 to 30\.", description), description
    assert 'class="done"' in svg and 'class="total"' in svg and "Done: 7" in svg and "All: 30" in svg
    burnup = await TimelineService(db).burnup(world.dan, "WEB")
    assert _table_rows(page) == [(p.revision, p.done, p.total) for p in burnup.points] == [
        (1, 6, 30), (2, 6, 30), (3, 7, 30), (4, 7, 30), (5, 7, 30)]
    assert "<caption>Microsteps done and in all, by revision</caption>" in page
    events = _text(page[page.index('<ol class="timeline"'):page.index("</ol>")])
    for sentence in ("Carol moved ms-132 from review to done", "Bob (API key) synced revision 4 (2 status changes)",
                     "The operator changed the policy", "sync from bob's laptop",
                     "Bob resolved a discussion on ms-212"):
        assert sentence in events
    assert 'href="/p/WEB/m/ms-132">ms-132 — Login with rate limiting</a>' in page
    assert f'href="/p/WEB/approvals/{told.approval_id}"' in page and f'href="/p/WEB/c/{told.comment_id}"' in page
    assert f'href="/p/WEB/conflicts/{told.conflict_id}"' in page and 'href="/p/WEB/diff?from=3&amp;to=4"' in page
    assert "16 events, newest first." in page and "Older events" not in page
    assert 'hx-get="/p/WEB/timeline"' in page and 'hx-push-url="true"' in page and 'action="/p/WEB/timeline"' in page
    assert_labelled(page)
    fragment = assert_fragment(await get(client, "/p/WEB/timeline", headers=HX))
    assert fragment.startswith('<div id="timeline-events">') and "<svg" not in fragment
    assert "Carol moved ms-132 from review to done" in fragment


async def test_filters_arrive_as_a_get_form_and_come_back_checked(client: Client, db: AsyncSession, world: World,
                                                                  told: Story) -> None:
    await sign_in(client, db, "alice@example.com")
    url = "/p/WEB/timeline?kind=sync&kind=policy&actor=&entity="
    page = assert_full_page(await get(client, url))
    events = _text(page[page.index('<ol class="timeline"'):page.index("</ol>")])
    assert events.count(" UTC") == 2 and "synced revision 4" in events and "changed the policy" in events
    assert 'value="sync" checked' in page and 'value="policy" checked' in page and 'value="status" >' in page
    assert 'href="/p/WEB/timeline">Show every event</a>' in page
    fragment = assert_fragment(await get(client, "/p/WEB/timeline?actor=carol@example.com&entity=ms-13",
                                         headers=HX))
    assert "1 event, newest first." in fragment and "Carol moved ms-132 from review to done" in fragment
    none = assert_fragment(await get(client, "/p/WEB/timeline?actor=nobody@example.com", headers=HX))
    assert "No events match these filters." in none and "<ol" not in none
    org = assert_full_page(await get(client, "/p/WEB/timeline?org=acme&kind=status"))
    assert 'href="/p/WEB/m/ms-132?org=acme"' in org and '<input type="hidden" name="org" value="acme">' in org
    assert 'href="/p/WEB/timeline?org=acme">Show every event</a>' in org


async def test_older_events_are_a_link_away(client: Client, db: AsyncSession, world: World) -> None:
    project = await ProjectService(db).get(world.alice, "WEB")
    await record_many(db, [
        AuditEvent(actor="bob@example.com", action="plan.status_change", org_id=project.organization_id,
                   target=f"acme/WEB/microsteps/ms-{number}",
                   payload={"revision": number, "from": "todo", "to": "done"})
        for number in range(1, 61)], commit=True)
    await sign_in(client, db, "alice@example.com")
    first = assert_full_page(await get(client, "/p/WEB/timeline?kind=status"))
    assert "50 events, newest first." in first and "Bob moved ms-60 from todo to done" in first
    older = re.search(r'<a href="(/p/WEB/timeline\?kind=status&amp;before=(\d+))" hx-get="\1"', first)
    assert older is not None and "Newest events" not in first
    second = assert_fragment(await get(client, html.unescape(older.group(1)), headers=HX))
    assert "10 events, newest first. Older events." in _text(second) and "Bob moved ms-1 from todo to done" in second
    assert re.search(r'href="/p/WEB/timeline\?kind=status" hx-get="/p/WEB/timeline\?kind=status"[^>]*>Newest events<',
                     second) and "before=" not in second


@pytest.mark.parametrize(("query", "field"), [
    ("kind=gossip", "kind"), ("before=99999999999999999999999999", "before"), ("actor=%00", "actor"),
    ("since=2026-13-01", "since"), ("entity=ms-%00", "entity"), ("since=2026-02-02&until=2026-02-01", "until"),
])
async def test_bad_filters_show_the_page_with_the_problem(client: Client, db: AsyncSession, world: World,
                                                          query: str, field: str) -> None:
    await sign_in(client, db, "alice@example.com")
    page = assert_full_page(await get(client, f"/p/WEB/timeline?{query}"), status=422)
    assert f'<p class="field-error" id="timeline-error" role="alert"><strong>Error:</strong> {field}:' in page
    if field in ("actor", "entity", "since", "until"):
        assert re.search(rf'<input id="timeline-{field}"[^>]*aria-invalid="true"', page)
    fragment = assert_fragment(await get(client, f"/p/WEB/timeline?{query}", headers=HX), status=422)
    assert 'role="alert"' in fragment


async def test_an_empty_project_and_refusals(client: Client, db: AsyncSession, world: World) -> None:
    assert (await get(client, "/p/WEB/timeline")).status_code == 303  # anonymous: to the sign-in page
    await sign_in(client, db, "alice@example.com")
    page = assert_full_page(await get(client, "/p/WEB/timeline"))
    assert "Nothing has happened in this project yet" in page and "No revisions yet" in page and "<svg" not in page
    assert 'href="/p/WEB/upload">Upload a plan</a>' in page
    await sign_in(client, db, "eve@example.com")  # another organization's project does not exist for her
    assert (await get(client, "/p/WEB/timeline")).status_code == 404
    assert (await get(client, "/p/WEB/timeline?kind=gossip")).status_code == 404
