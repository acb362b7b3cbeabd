"""The notification pages: the lazy bell in every page's header, the flyout, the list (full page and htmx swap),
marking read with and without JavaScript, the preferences form, and who may do what."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Notification, NotificationPreference, NotificationWebhook
from app.domain.accounts.services import ApiKeyService
from tests.conftest import sqlite_only
from tests.integration.notifications.conftest import Crew
from tests.integration.notifications.test_inbox import seed
from tests.integration.web._project_helpers import assert_fragment, assert_full_page, assert_labelled, get, post
from tests.integration.web.conftest import HX, Client, sign_in

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


database_url = sqlite_only()


async def unread(db: AsyncSession) -> int:
    await db.rollback()
    return await db.scalar(select(func.count()).select_from(Notification).where(Notification.read_at.is_(None))) or 0


async def first_id(db: AsyncSession) -> str:
    await db.rollback()
    return str(await db.scalar(select(Notification.id).order_by(Notification.id.desc())))


async def test_every_page_has_a_lazy_bell_that_works_as_a_link(client: Client, db: AsyncSession, crew: Crew) -> None:
    assert "notification-bell" not in (await client.get("/login")).text  # signed out: no bell
    await sign_in(client, db, crew.carol.email)
    text = assert_full_page(await client.get("/"))
    bell = re.search(r'<a id="notification-bell"[^>]*>', text)
    assert bell is not None
    assert 'href="/notifications"' in bell.group(0) and 'hx-get="/notifications/bell"' in bell.group(0)
    assert 'aria-controls="notification-flyout"' in text and 'aria-expanded="false"' in text
    assert '<script src="/static/js/notifications.js" defer></script>' in text


async def test_the_bell_fragment_counts_unread(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 2)
    await sign_in(client, db, crew.carol.email)
    text = assert_fragment(await client.get("/notifications/bell", headers=HX))
    assert text.strip().startswith('<a id="notification-bell"')
    assert re.search(r'class="badge unread-count">2<span class="visually-hidden"> unread</span>', text)
    full = await get(client, "/notifications/bell")
    assert full.status_code == 303 and full.headers["location"] == "/notifications"
    await sign_in(client, db, crew.bob.email)
    assert "unread-count" not in (await client.get("/notifications/bell", headers=HX)).text


async def test_the_flyout(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 10)
    await sign_in(client, db, crew.carol.email)
    text = assert_fragment(await client.get("/notifications/flyout", headers=HX))
    assert text.count("<li ") == 8 and "Note 9" in text and "Note 1" not in text
    assert "10 unread." in text and 'hx-swap-oob="true"' in text and "Urgent" in text
    assert 'name="view" value="flyout"' in text
    full = await get(client, "/notifications/flyout")
    assert full.status_code == 303 and full.headers["location"] == "/notifications"


async def test_the_list_full_page_fragment_filters_and_pages(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 23)
    await sign_in(client, db, crew.carol.email)
    text = assert_full_page(await client.get("/notifications"))
    assert_labelled(text)
    assert "<h1>Notifications</h1>" in text and "23 unread notifications." in text
    assert "Note 22" in text and "Note 2<" not in text and "High priority" in text and "Low priority" in text
    older = re.search(r'<a href="(/notifications\?cursor=[^"]+)">Older</a>', text)
    assert older is not None
    assert "Note 2<" in (await client.get(older.group(1).replace("&amp;", "&"))).text
    swapped = assert_fragment(await client.get("/notifications?unread=1&priority=urgent", headers=HX))
    assert 'id="notification-entries"' in swapped and "<h1>" not in swapped
    assert "Note 19" in swapped and "Note 18" not in swapped
    bad = await client.get("/notifications?priority=critical")
    assert_full_page(bad, 422)
    assert "priority:" in bad.text and 'aria-invalid="true"' in bad.text


async def test_marking_one_read_without_and_with_htmx(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 3)
    await sign_in(client, db, crew.carol.email)
    answer = await post(client, f"/notifications/{await first_id(db)}/read", {"unread": "1", "priority": ""})
    assert answer.status_code == 303 and answer.headers["location"] == "/notifications?unread=1"
    assert "Marked as read." in (await client.get("/notifications?unread=1")).text  # the flash
    assert await unread(db) == 2
    await db.rollback()
    second = str(await db.scalar(select(Notification.id).where(Notification.read_at.is_(None))
                                 .order_by(Notification.id.desc())))
    swapped = await post(client, f"/notifications/{second}/read", {}, headers=HX)
    text = assert_fragment(swapped)
    assert 'id="notification-entries"' in text and "1 unread notification." in text
    assert re.search(r'<a id="notification-bell"[^>]*hx-swap-oob="true"', text)
    flyout = assert_fragment(await post(client, "/notifications/read-all", {"view": "flyout"}, headers=HX))
    assert "0 unread." in flyout and await unread(db) == 0


async def test_marking_all_read_without_htmx(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 3)
    await sign_in(client, db, crew.carol.email)
    answer = await post(client, "/notifications/read-all", {"priority": "high"})
    assert answer.status_code == 303 and answer.headers["location"] == "/notifications?priority=high"
    assert "Marked 3 notifications as read." in (await client.get("/notifications")).text
    assert await unread(db) == 0


async def test_nobody_marks_another_persons_notification(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 1)
    note = await first_id(db)
    for person in (crew.bob, crew.eve):
        await sign_in(client, db, person.email)
        assert (await post(client, f"/notifications/{note}/read", {})).status_code == 404
        assert (await post(client, f"/notifications/{note}/read", {}, headers=HX)).status_code == 404
        assert (await post(client, "/notifications/read-all", {})).status_code == 303
        assert "Note 0" not in (await client.get("/notifications")).text
    assert (await post(client, "/notifications/00000000-0000-7000-8000-00000000ffff/read", {})).status_code == 404
    assert await unread(db) == 1


async def test_anonymous_api_key_and_forged_requests_are_refused(client: Client, db: AsyncSession,
                                                                 crew: Crew) -> None:
    await seed(db, crew, 1)
    note = await first_id(db)
    for url in ("/notifications", "/settings/notifications", "/notifications/bell"):
        page = await get(client, url)
        assert page.status_code == 303 and page.headers["location"].startswith("/login?next=")
    assert (await post(client, f"/notifications/{note}/read", {})).status_code == 401
    key = await ApiKeyService(db).create(crew.carol.user_id, name="k", scopes=["admin"])
    bearer = await client.get("/notifications", headers={"Authorization": f"Bearer {key.secret}"})
    assert bearer.status_code == 403
    await sign_in(client, db, crew.carol.email)
    forged = await client.post(f"/notifications/{note}/read", data={}, follow_redirects=False)
    assert forged.status_code == 403  # no CSRF token
    assert await unread(db) == 1


async def test_the_preferences_page_full_fragment_and_save(client: Client, db: AsyncSession, crew: Crew) -> None:
    await sign_in(client, db, crew.carol.email)
    text = assert_full_page(await client.get("/settings/notifications"))
    assert_labelled(text)
    assert '<caption>Which notifications go where</caption>' in text
    assert 'value="comment.mention|email" checked' in text and 'value="comment.watch|email">' in text
    assert 'value="approval.requested|email"' not in text and "Always sent" in text
    assert 'id="notification-preferences"' in assert_fragment(
        await client.get("/settings/notifications", headers=HX))
    saved = await post(client, "/settings/notifications", {
        "pref": ["comment.mention|in_app", "comment.watch|email", "comment.mention|slack"],
        "slack_webhook_url": SLACK})
    assert saved.status_code == 303 and saved.headers["location"] == "/settings/notifications"
    text = (await client.get("/settings/notifications")).text
    assert "Your notification preferences are saved." in text
    assert 'value="comment.mention|email">' in text and 'value="comment.watch|email" checked' in text
    assert SLACK not in text and "Remove the stored Slack webhook" in text
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(NotificationWebhook)) == 1
    removed = await post(client, "/settings/notifications", {"remove_slack": "1"}, headers=HX)
    assert removed.status_code == 200 and removed.headers["hx-redirect"] == "/settings/notifications"
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(NotificationWebhook)) == 0


@pytest.mark.parametrize(("form", "field"), [
    ({"slack_webhook_url": "http://hooks.slack.com/services/T/B/X"}, "slack_webhook_url"),
    ({"discord_webhook_url": "https://internal.example/api/webhooks/1"}, "discord_webhook_url"),
    ({"pref": "comment.mention|pager"}, "pref"),
])
async def test_bad_preferences_are_refused_by_name(client: Client, db: AsyncSession, crew: Crew,
                                                   form: dict[str, str], field: str) -> None:
    await sign_in(client, db, crew.carol.email)
    refused = await post(client, "/settings/notifications", {**form, "pref": form.get("pref", "comment.watch|email")})
    text = assert_full_page(refused, 422)
    assert f'href="#{field}"' in text
    swapped = await post(client, "/settings/notifications", form, headers=HX)
    assert_fragment(swapped, 422)
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(NotificationPreference)) == 0
    assert await db.scalar(select(func.count()).select_from(NotificationWebhook)) == 0
