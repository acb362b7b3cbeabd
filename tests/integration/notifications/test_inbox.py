"""A user's notifications and preferences through the services (SQLite and PostgreSQL): listing by cursor and
filter, the unread count, marking read, nobody else's notifications, and bad input refused by name."""

from __future__ import annotations

import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import NotificationPreference, NotificationWebhook, Organization
from app.domain.notifications.schemas import PreferenceSetting, PreferencesUpdate
from app.domain.notifications.services import (
    Draft,
    NotificationService,
    Notifier,
    PreferenceService,
    WebhookCipher,
)
from app.lib.errors import NotFound, ValidationFailed
from tests.integration.notifications.conftest import SECRET, Crew

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


async def seed(db: AsyncSession, crew: Crew, count: int) -> None:
    """``count`` notifications for carol (from bob), priorities cycling low, normal, high, urgent."""
    org = await db.scalar(select(Organization.id).where(Organization.slug == "acme"))
    assert org is not None
    notifier = Notifier(db, None, "https://br.example")
    priorities = ("low", "normal", "high", "urgent")
    for number in range(count):
        await notifier.notify([crew.carol.user_id], Draft(
            kind="comment.watch", organization_id=org, project_id=None, title=f"Note {number}", body="", url="/",
            actor_id=crew.bob.user_id, dedup_key=f"test:{number}", priority=priorities[number % 4]))
    await db.commit()


async def test_listing_pages_by_cursor_and_filters(db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 7)
    inbox = NotificationService(db)
    first = await inbox.listing(crew.carol, limit=3)
    assert [item.title for item in first.items] == ["Note 6", "Note 5", "Note 4"]
    assert first.unread == 7 and first.next_cursor is not None
    second = await inbox.listing(crew.carol, limit=3, cursor=first.next_cursor)
    third = await inbox.listing(crew.carol, limit=3, cursor=second.next_cursor)
    assert [item.title for item in [*second.items, *third.items]] == [f"Note {n}" for n in (3, 2, 1, 0)]
    assert third.next_cursor is None
    urgent = await inbox.listing(crew.carol, priority="urgent")
    assert [item.title for item in urgent.items] == ["Note 3"]
    assert (await inbox.listing(crew.bob)).items == []


async def test_marking_read(db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 3)
    inbox = NotificationService(db)
    newest = (await inbox.listing(crew.carol)).items[0]
    marked = await inbox.mark_read(crew.carol, str(newest.id))
    assert marked.read_at is not None
    assert (await inbox.mark_read(crew.carol, newest.id)).read_at == marked.read_at  # twice changes nothing
    assert await inbox.unread_count(crew.carol) == 2
    assert [item.title for item in (await inbox.listing(crew.carol, unread=True)).items] == ["Note 1", "Note 0"]
    assert await inbox.mark_all_read(crew.carol) == 2
    assert await inbox.unread_count(crew.carol) == 0
    assert await inbox.mark_all_read(crew.carol) == 0


async def test_nobody_sees_or_marks_another_persons_notifications(db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 1)
    inbox = NotificationService(db)
    [note] = (await inbox.listing(crew.carol)).items
    for other in (crew.bob, crew.eve):
        with pytest.raises(NotFound):
            await inbox.mark_read(other, str(note.id))
        assert await inbox.mark_all_read(other) == 0
    # carol's API key bound to another organization sees none of acme's
    globex = await db.scalar(select(Organization.id).where(Organization.slug == "globex"))
    bound = msgspec.structs.replace(crew.carol, via="api_key", scopes=frozenset({"plan:read"}), organization_id=globex)
    assert (await inbox.listing(bound)).items == []
    assert await inbox.unread_count(crew.carol) == 1
    with pytest.raises(NotFound):
        await inbox.mark_read(crew.carol, "not-a-uuid")


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"priority": "critical"}, "priority"), ({"limit": 0}, "limit"), ({"limit": 101}, "limit"),
    ({"cursor": "yesterday"}, "cursor"),
])
async def test_bad_listing_input_names_the_field(db: AsyncSession, crew: Crew, kwargs: dict[str, object],
                                                 field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await NotificationService(db).listing(crew.carol, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


async def test_preferences_defaults_changes_and_webhooks(db: AsyncSession, crew: Crew) -> None:
    prefs = PreferenceService(db, WebhookCipher(SECRET))
    shown = await prefs.get(crew.carol)
    enabled = {(s.kind, s.channel) for s in shown.settings if s.enabled}
    assert ("comment.mention", "email") in enabled and ("comment.watch", "email") not in enabled
    assert all(not hook.configured for hook in shown.webhooks)
    changed = await prefs.update(crew.carol, PreferencesUpdate(
        settings=[PreferenceSetting(kind="comment.watch", channel="email", enabled=True)], slack_webhook_url=SLACK))
    assert ("comment.watch", "email", True) in {(s.kind, s.channel, s.enabled) for s in changed.settings}
    assert ("comment.mention", "email", True) in {(s.kind, s.channel, s.enabled) for s in changed.settings}
    assert {hook.channel: hook.configured for hook in changed.webhooks} == {"slack": True, "discord": False}
    stored = await db.scalar(select(NotificationWebhook.url_encrypted))
    assert stored is not None and "slack" not in stored  # encrypted at rest
    assert await prefs.webhooks([crew.carol.user_id], "slack") == {crew.carol.user_id: SLACK}
    assert await PreferenceService(db, WebhookCipher("another-secret-" + "y" * 30)).webhooks(
        [crew.carol.user_id], "slack") == {}  # a rotated key makes it unreadable, not wrong
    await prefs.update(crew.carol, PreferencesUpdate(slack_webhook_url=""))
    assert await prefs.webhooks([crew.carol.user_id], "slack") == {}


@pytest.mark.parametrize(("update", "field"), [
    (PreferencesUpdate(settings=[PreferenceSetting(kind="gossip", channel="email", enabled=True)]),
     "settings[0].kind"),
    (PreferencesUpdate(settings=[PreferenceSetting(kind="comment.watch", channel="email", enabled=True),
                                 PreferenceSetting(kind="comment.watch", channel="pager", enabled=True)]),
     "settings[1].channel"),
    (PreferencesUpdate(settings=[PreferenceSetting(kind="approval.requested", channel="email", enabled=False)]),
     "settings[0].channel"),  # the approvals always mail; that channel is not a preference
    (PreferencesUpdate(slack_webhook_url="http://hooks.slack.com/services/T/B/X"), "slack_webhook_url"),
    (PreferencesUpdate(slack_webhook_url="https://evil.example/services/T/B/X"), "slack_webhook_url"),
    (PreferencesUpdate(slack_webhook_url="https://hooks.slack.com.evil.example/services/x"), "slack_webhook_url"),
    (PreferencesUpdate(discord_webhook_url="https://user@discord.com/api/webhooks/1/x"), "discord_webhook_url"),
    (PreferencesUpdate(discord_webhook_url="hooks.slack.com/services/T/B/X"), "discord_webhook_url"),
    (PreferencesUpdate(discord_webhook_url="https://discord.com/api/webhooks/1/x\x00"), "discord_webhook_url"),
])
async def test_bad_preferences_change_nothing(db: AsyncSession, crew: Crew, update: PreferencesUpdate,
                                              field: str) -> None:
    prefs = PreferenceService(db, WebhookCipher(SECRET))
    with pytest.raises(ValidationFailed) as caught:
        await prefs.update(crew.carol, msgspec.structs.replace(update, settings=[
            *update.settings, PreferenceSetting(kind="comment.reply", channel="email", enabled=True)]
            if field.startswith("settings") else [PreferenceSetting(kind="comment.reply", channel="email",
                                                                    enabled=True)]))
    assert caught.value.field == field
    await db.rollback()
    assert await db.scalar(select(NotificationPreference.id)) is None
    assert await db.scalar(select(NotificationWebhook.id)) is None
