"""The comment pages: every handler as a full page (no JavaScript) and as an htmx swap, forms that refuse bad input
with the problem named and nothing changed, and who sees which buttons."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Comment
from app.domain.comments.services import CommentService, ThreadService
from app.domain.projects.services import PlanService
from tests.conftest import sqlite_only
from tests.integration.comments.conftest import Crew, say
from tests.integration.comments.test_xss import problems
from tests.integration.web._project_helpers import assert_fragment, assert_full_page, get, post
from tests.integration.web.conftest import HX, Client, sign_in

THREAD = "/p/WEB/comments/microstep/ms-212"


database_url = sqlite_only()


class PageInspector(HTMLParser):
    """A whole page may run only its own scripts (from /static/) and has no inline handler or javascript: link."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "iframe", "object", "embed") and not (values.get("src") or "").startswith("/static/"):
            self.problems.append(f"<{tag}> {values}")
        for name, value in attrs:
            if name.startswith("on") or (name in ("href", "src", "action") and "javascript:" in (value or "").lower()):
                self.problems.append(f"{name}={value!r} on <{tag}>")


async def comment_count(db: AsyncSession) -> int:
    await db.rollback()
    return await db.scalar(select(func.count()).select_from(Comment)) or 0


async def test_thread_page_full_and_fragment(client: Client, db: AsyncSession, crew: Crew) -> None:
    root = await say(db, crew.bob, "Hello @cody, see **this**")
    await say(db, crew.cody, "On it", parent=root.id)
    await sign_in(client, db, crew.alice.email)
    text = assert_full_page(await get(client, THREAD))
    assert "Hello" in text and '<span class="mention mention-user">@cody</span>' in text and "On it" in text
    assert 'id="comments-status"' in text and 'aria-live="polite"' in text and "/static/js/mentions.js" in text
    assert 'name="body"' in text and "Make it a microstep" in text and "Resolve" in text
    fragment = assert_fragment(await get(client, THREAD, headers=HX))
    assert fragment.lstrip().startswith('<div id="comments"') and "On it" in fragment
    for path in ("/p/WEB/comments/milestone/m-2", "/p/WEB/comments/step/st-21"):
        assert "No comments yet." in assert_full_page(await get(client, path))
    assert (await get(client, "/p/WEB/comments/microstep/ms-999")).status_code == 404
    assert (await get(client, "/p/WEB/comments/task/ms-212")).status_code == 422


async def test_viewers_read_without_forms_and_strangers_get_404(client: Client, db: AsyncSession,
                                                                crew: Crew) -> None:
    await say(db, crew.bob, "Visible")
    await sign_in(client, db, crew.dan.email)
    text = assert_full_page(await get(client, THREAD))
    assert "Visible" in text and 'name="body"' not in text and "ask a PM" in text
    assert (await post(client, THREAD, {"body": "Sneaky"})).status_code == 403
    await sign_in(client, db, crew.eve.email)
    assert (await get(client, THREAD)).status_code == 404
    assert (await post(client, THREAD, {"body": "Hi"})).status_code == 404
    client.cookies.clear()
    anonymous = await get(client, THREAD)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")
    assert await comment_count(db) == 1


async def test_posting_without_and_with_htmx(client: Client, db: AsyncSession, crew: Crew) -> None:
    await sign_in(client, db, crew.cody.email)
    answer = await post(client, THREAD, {"body": "First *words*", "link_url": "https://ci.example.com/1",
                                         "link_kind": "test_result", "link_title": "CI"})
    assert answer.status_code == 303
    comment_id = (await CommentService(db).threads(crew.alice, "WEB", "microstep", "ms-212")).threads[0].root.id
    assert answer.headers["location"] == f"{THREAD}#comment-{comment_id}"
    text = assert_full_page(await client.get(answer.headers["location"]))
    assert "Your comment is posted." in text and "<em>words</em>" in text and "https://ci.example.com/1" in text
    swapped = assert_fragment(await post(client, THREAD, {"body": "Reply", "parent_id": str(comment_id)},
                                         headers=HX))
    assert 'hx-swap-oob="innerHTML">Your reply is posted.' in swapped and "Reply" in swapped
    assert await comment_count(db) == 2


@pytest.mark.parametrize(("body", "status", "words"), [
    ("", 422, "cannot be empty"), ("   ", 422, "cannot be empty"), ("x" * 100_500, 413, "keep it under"),
    ("a\x00b", 422, "NUL"),
])
async def test_bad_comments_show_the_form_again(client: Client, db: AsyncSession, crew: Crew, body: str,
                                                status: int, words: str) -> None:
    await sign_in(client, db, crew.cody.email)
    for headers in ({}, HX):
        answer = await post(client, THREAD, {"body": body}, headers=headers)
        assert answer.status_code == status, answer.text[:500]
        assert words in answer.text and 'aria-invalid="true"' in answer.text and 'role="alert"' in answer.text
        assert "Traceback" not in answer.text
    bad_link = await post(client, THREAD, {"body": "ok", "link_url": "javascript:alert(1)"})
    assert bad_link.status_code == 422 and "http:// or https://" in bad_link.text
    assert await comment_count(db) == 0


async def test_missing_csrf_token_is_refused(client: Client, db: AsyncSession, crew: Crew) -> None:
    await sign_in(client, db, crew.cody.email)
    answer = await client.post(THREAD, data={"body": "no token"}, follow_redirects=False)
    assert answer.status_code == 403
    assert await comment_count(db) == 0


async def test_hostile_comments_render_inert_in_the_page(client: Client, db: AsyncSession, crew: Crew) -> None:
    from tests.integration.comments.test_xss import CORPUS  # noqa: PLC0415

    for body in CORPUS:
        await say(db, crew.cody, body)
    await sign_in(client, db, crew.alice.email)
    text = assert_full_page(await get(client, THREAD))
    bodies = re.findall(r'<div class="comment-body">(.*?)</div>\n', text, re.DOTALL)
    assert len(bodies) == len(CORPUS)
    for body in bodies:
        assert problems(body) == [], body
    page = PageInspector()
    page.feed(text)
    assert page.problems == []


async def test_edit_history_delete_and_resolve_pages(client: Client, db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Draft")
    await sign_in(client, db, crew.cody.email)
    url = f"/p/WEB/c/{comment.id}"
    form = assert_full_page(await get(client, f"{url}/edit"))
    assert "Draft</textarea>" in form and "Attach a link" in form
    assert_fragment(await get(client, f"{url}/edit", headers=HX))
    assert (await post(client, f"{url}/edit", {"body": ""})).status_code == 422
    saved = await post(client, f"{url}/edit", {"body": "Final"})
    assert saved.status_code == 303 and saved.headers["location"].endswith(f"#comment-{comment.id}")
    hx_saved = await post(client, f"{url}/edit", {"body": "Final!"}, headers=HX)
    assert hx_saved.status_code == 200 and "Your comment is updated." in hx_saved.text
    thread = assert_full_page(await get(client, THREAD))
    assert f'href="{url}/history"' in thread and "edited" in thread
    history = assert_full_page(await get(client, f"{url}/history"))
    assert history.index("<p>Final!</p>") < history.index("<p>Final</p>") < history.index("<p>Draft</p>")
    assert_fragment(await get(client, f"{url}/history", headers=HX))
    resolved = await post(client, f"{url}/resolve", headers=HX)
    assert "The thread is resolved." in resolved.text and "Reopen" in resolved.text
    reopened = await post(client, f"{url}/reopen")
    assert reopened.status_code == 303
    deleted = await post(client, f"{url}/delete", headers=HX)
    assert "This comment was deleted." in deleted.text and "Final!" not in deleted.text
    assert (await post(client, f"{url}/delete")).status_code == 303  # twice: nothing more to do
    assert "gone" in assert_full_page(await get(client, f"{url}/history"))
    assert (await get(client, f"{url}/edit")).status_code == 403  # nothing left to change
    permalink = await get(client, url)
    assert permalink.status_code == 303 and permalink.headers["location"] == f"{THREAD}#comment-{comment.id}"


async def test_others_cannot_edit_and_moderators_delete(client: Client, db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Mine")
    await sign_in(client, db, crew.carol.email)  # QA: neither author nor moderator
    assert (await get(client, f"/p/WEB/c/{comment.id}/edit")).status_code == 403
    assert (await post(client, f"/p/WEB/c/{comment.id}/edit", {"body": "Theirs"})).status_code == 403
    assert (await post(client, f"/p/WEB/c/{comment.id}/delete")).status_code == 403
    await sign_in(client, db, crew.bob.email)  # TechLead: moderates links and deletion, not the words
    page = assert_full_page(await get(client, f"/p/WEB/c/{comment.id}/edit"))
    assert "<textarea" not in page and "Attach the link" in page
    assert (await post(client, f"/p/WEB/c/{comment.id}/delete")).status_code == 303
    assert (await CommentService(db).get(crew.alice, "WEB", comment.id)).deleted


async def test_link_pages(client: Client, db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "With links")
    await sign_in(client, db, crew.cody.email)
    url = f"/p/WEB/c/{comment.id}"
    bad = await post(client, f"{url}/attachments", {"kind": "pr", "url": "JaVaScRiPt:alert(1)"})
    assert bad.status_code == 422 and 'id="link-error"' in bad.text
    added = await post(client, f"{url}/attachments", {"kind": "pr", "url": "https://git.example.com/pr/9",
                                                      "title": "PR 9"})
    assert added.status_code == 303
    info = await CommentService(db).get(crew.cody, "WEB", comment.id)
    assert [a.title for a in info.attachments] == ["PR 9"]
    removed = await post(client, f"{url}/attachments/{info.attachments[0].id}/delete")
    assert removed.status_code == 303
    assert (await CommentService(db).get(crew.cody, "WEB", comment.id)).attachments == []


async def test_promote_page(client: Client, db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Add a size filter\n\nPeople ask for it.")
    url = f"/p/WEB/c/{comment.id}/promote"
    await sign_in(client, db, crew.cody.email)
    assert (await get(client, url)).status_code == 403  # a Contributor does not edit the plan
    await sign_in(client, db, crew.bob.email)
    form = assert_full_page(await get(client, url))
    assert 'value="Add a size filter"' in form and '<option value="st-21" selected>' in form
    assert_fragment(await get(client, url, headers=HX))
    bad = await post(client, url, {"title": " ", "step_id": "st-21"})
    assert bad.status_code == 422 and "title" in bad.text
    done = await post(client, url, {"title": "Size filter", "step_id": "st-21", "criteria": "S\nM\n\nL"})
    assert done.status_code == 303
    snapshot = await PlanService(db).get_plan(crew.bob, "WEB")
    micro_id = re.search(r"/m/([^?#]+)", done.headers["location"]).group(1)  # type: ignore[union-attr]
    assert micro_id.encode() in snapshot.content and snapshot.info.number == 2
    thread = assert_full_page(await client.get(THREAD))
    assert f"promoted to {micro_id}" in thread
    again = await post(client, url, {"title": "Again", "step_id": "st-21"})
    assert again.status_code == 409 and "already became" in again.text


async def test_watch_button(client: Client, db: AsyncSession, crew: Crew) -> None:
    await sign_in(client, db, crew.dan.email)  # a Viewer may watch
    assert ">Watch<" in assert_full_page(await get(client, THREAD))
    watched = await post(client, "/p/WEB/watch/microstep/ms-212", {"watch": "1"}, headers=HX)
    assert "Stop watching" in assert_fragment(watched) and "You are watching this item." in watched.text
    stopped = await post(client, "/p/WEB/watch/microstep/ms-212", {"watch": "0"})
    assert stopped.status_code == 303 and stopped.headers["location"] == THREAD
    assert (await post(client, "/p/WEB/watch/microstep/ms-999", {"watch": "1"})).status_code == 404


async def test_mention_suggestions(client: Client, db: AsyncSession, crew: Crew) -> None:
    await sign_in(client, db, crew.alice.email)
    options = assert_fragment(await get(client, "/p/WEB/mentions?q=co", headers=HX))
    assert 'role="option"' in options and 'data-value="@cody"' in options
    roles = assert_fragment(await get(client, "/p/WEB/mentions?q=role:q", headers=HX))
    assert 'data-value="@role:QA"' in roles
    teams = assert_fragment(await get(client, "/p/WEB/mentions?q=team:", headers=HX))
    assert 'data-value="@team:frontend"' in teams
    page = assert_full_page(await get(client, "/p/WEB/mentions?q=b"))
    assert "@bob" in page and 'role="option"' not in page
    await sign_in(client, db, crew.eve.email)
    assert (await get(client, "/p/WEB/mentions?q=b", headers=HX)).status_code == 404


async def test_microstep_and_plan_pages_lead_to_the_discussions(client: Client, db: AsyncSession,
                                                                crew: Crew) -> None:
    await sign_in(client, db, crew.alice.email)
    micro = assert_full_page(await get(client, "/p/WEB/m/ms-212"))
    assert 'hx-get="/p/WEB/comments/microstep/ms-212"' in micro and 'href="/p/WEB/comments/microstep/ms-212"' in micro
    plan = assert_full_page(await get(client, "/p/WEB"))
    assert 'href="/p/WEB/comments/milestone/m-2"' in plan and 'href="/p/WEB/comments/step/st-21"' in plan


async def test_teams_page(client: Client, db: AsyncSession, crew: Crew) -> None:
    await sign_in(client, db, crew.carol.email)  # a plain member of acme
    page = assert_full_page(await get(client, "/orgs/acme/teams"))
    assert "@team:frontend" in page and "Delete the team" not in page  # bob's team: carol cannot change it
    assert_fragment(await get(client, "/orgs/acme/teams", headers=HX))
    assert (await post(client, "/orgs/acme/teams", {"slug": "Bad Slug", "name": "x"})).status_code == 422
    assert (await post(client, "/orgs/acme/teams", {"slug": "frontend", "name": "x"})).status_code == 409
    created = await post(client, "/orgs/acme/teams", {"slug": "qa", "name": "Quality"})
    assert created.status_code == 303 and created.headers["location"] == "/orgs/acme/teams#team-qa"
    assert (await post(client, "/orgs/acme/teams/frontend/members", {"email": "dan@example.com"})).status_code == 403
    missing = await post(client, "/orgs/acme/teams/qa/members", {"email": "eve@example.com"})
    assert missing.status_code == 422 and "not a member of acme" in missing.text
    assert (await post(client, "/orgs/acme/teams/qa/members", {"email": "dan@example.com"})).status_code == 303
    assert (await post(client, "/orgs/acme/teams/nope/members", {"email": "dan@example.com"})).status_code == 404
    assert (await post(client, "/orgs/acme/teams/qa/members/remove", {"email": "dan@example.com"})).status_code == 303
    assert (await post(client, "/orgs/acme/teams/qa/delete")).status_code == 303
    await sign_in(client, db, crew.eve.email)
    assert (await get(client, "/orgs/acme/teams")).status_code == 404
    org = assert_full_page(await get(client, "/orgs/globex"))
    assert 'href="/orgs/globex/teams"' in org


async def test_resolving_is_shown_with_who_and_when(client: Client, db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Question")
    await ThreadService(db).resolve(crew.carol, "WEB", comment.id)
    await sign_in(client, db, crew.dan.email)
    text = assert_full_page(await get(client, THREAD))
    assert "Resolved" in text and "by carol@example.com" in text


async def test_pages_speak_the_visitors_language(client: Client, db: AsyncSession, crew: Crew) -> None:
    comment = await say(db, crew.cody, "Hallo")
    await sign_in(client, db, crew.cody.email)
    german = assert_full_page_in(await get(client, f"{THREAD}?lang=de"), "de")
    assert "Kommentare" in german and "Kommentar veröffentlichen" in german and "Nicht mehr beobachten" in german
    french = assert_full_page_in(await get(client, f"/p/WEB/c/{comment.id}/edit?lang=fr"), "fr")
    assert "Modifier un commentaire" in french
    spanish = await post(client, f"{THREAD}?lang=es", {"body": ""}, headers=HX)
    assert spanish.status_code == 422 and "no puede estar vacío" in spanish.text


def assert_full_page_in(response: httpx.Response, lang: str) -> str:
    assert response.status_code == 200, response.text[:500]
    assert f'<html lang="{lang}">' in response.text
    return response.text
