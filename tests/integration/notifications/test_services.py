"""Notifications from domain events (SQLite and PostgreSQL): who is told of a mention, a reply, a comment on a watched
item, an approval and a status change, never the actor; deliveries scheduled once per channel; preferences."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.comments.services import CommentEvent, WatchService
from app.domain.governance.services import ApprovalService
from app.domain.notifications.schemas import PreferenceSetting, PreferencesUpdate
from app.domain.notifications.services import NotificationSubscriber, PreferenceService, WebhookCipher
from app.domain.projects.services import PlanService
from app.lib import events
from tests.integration.notifications.conftest import SECRET, Crew, deliveries, notifications_of, say

pytestmark = pytest.mark.usefixtures("listener")

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


def prefs(db: AsyncSession) -> PreferenceService:
    return PreferenceService(db, WebhookCipher(SECRET))


async def test_a_mention_notifies_the_mentioned_once_with_one_email(db: AsyncSession, crew: Crew,
                                                                     listener: NotificationSubscriber) -> None:
    heard: list[events.DomainEvent] = []

    async def keep(event: events.DomainEvent) -> None:
        heard.append(event)

    stop = events.subscribe(keep, prefix="comment.")
    try:
        comment = await say(db, crew.bob, "Could you check this, @carol?")
    finally:
        stop()
    [note] = await notifications_of(db, crew.carol.user_id)
    assert (note.kind, note.priority, note.actor_id) == ("comment.mention", "high", crew.bob.user_id)
    assert note.read_at is None
    assert note.title == "Bob mentioned you on microstep ms-212 in WEB"
    assert note.body == "Could you check this, @carol?"
    assert note.url == f"/p/WEB/c/{comment.id}?org=acme"
    assert await notifications_of(db, crew.bob.user_id) == []  # never the author
    [email] = await deliveries(db)
    assert (email.channel, email.target, email.dedup_key) == ("email", "carol@example.com",
                                                               f"notification:{note.id}:email")
    assert email.payload["url"] == f"https://br.example/p/WEB/c/{comment.id}?org=acme"
    assert email.payload["priority"] == "high"

    # The same event again (a retry, a second instance): nothing new.
    [event] = heard
    assert isinstance(event, CommentEvent)
    await listener.on_event(event)
    assert len(await notifications_of(db, crew.carol.user_id)) == 1
    assert len(await deliveries(db)) == 1


async def test_team_and_role_mentions_reach_each_member(db: AsyncSession, crew: Crew) -> None:
    await say(db, crew.alice, "@team:frontend and @role:QA, please look")
    for person in (crew.bob, crew.cody, crew.carol):
        [note] = await notifications_of(db, person.user_id)
        assert note.kind == "comment.mention"
    assert await notifications_of(db, crew.alice.user_id) == []


async def test_watchers_and_the_thread_author_hear_of_new_comments(db: AsyncSession, crew: Crew) -> None:
    await WatchService(db).watch(crew.dan, "WEB", "microstep", "ms-212")
    root = await say(db, crew.bob, "A first thought")
    [watch] = await notifications_of(db, crew.dan.user_id)
    assert (watch.kind, watch.priority, watch.title) == ("comment.watch", "normal",
                                                         "Bob commented on microstep ms-212 in WEB")
    await say(db, crew.cody, "A reply", parent=root.id)
    [reply] = await notifications_of(db, crew.bob.user_id)
    assert reply.kind == "comment.reply"
    assert [n.kind for n in await notifications_of(db, crew.dan.user_id)] == ["comment.watch", "comment.watch"]
    assert await notifications_of(db, crew.cody.user_id) == []
    assert await deliveries(db) == []  # watching and replies are in the app only by default


async def test_an_edit_notifies_only_the_newly_mentioned(db: AsyncSession, crew: Crew) -> None:
    from app.domain.comments.services import CommentService  # noqa: PLC0415

    comment = await say(db, crew.bob, "Hello @carol")
    await CommentService(db).edit(crew.bob, "WEB", comment.id, "Hello @carol and @cody")
    assert len(await notifications_of(db, crew.carol.user_id)) == 1
    [note] = await notifications_of(db, crew.cody.user_id)
    assert note.kind == "comment.mention"


async def test_preferences_switch_channels_off(db: AsyncSession, crew: Crew) -> None:
    await prefs(db).update(crew.carol, PreferencesUpdate(settings=[
        PreferenceSetting(kind="comment.mention", channel="email", enabled=False)]))
    await prefs(db).update(crew.cody, PreferencesUpdate(settings=[
        PreferenceSetting(kind="comment.mention", channel="in_app", enabled=False)]))
    await prefs(db).update(crew.dan, PreferencesUpdate(settings=[
        PreferenceSetting(kind="comment.watch", channel="in_app", enabled=False)]))
    await WatchService(db).watch(crew.dan, "WEB", "microstep", "ms-212")
    await say(db, crew.bob, "@carol and @cody")
    assert [n.kind for n in await notifications_of(db, crew.carol.user_id)] == ["comment.mention"]
    assert await notifications_of(db, crew.cody.user_id) == []  # not in the app ...
    [unlisted] = await notifications_of(db, crew.cody.user_id, every=True)
    [email] = await deliveries(db)  # ... but by email, and carol not by email
    assert (email.target, email.dedup_key) == ("cody@example.com", f"notification:{unlisted.id}:email")
    assert await notifications_of(db, crew.dan.user_id, every=True) == []  # every channel off: nothing at all


async def test_a_slack_webhook_gets_its_own_delivery(db: AsyncSession, crew: Crew) -> None:
    await prefs(db).update(crew.carol, PreferencesUpdate(
        settings=[PreferenceSetting(kind="comment.mention", channel="slack", enabled=True)], slack_webhook_url=SLACK))
    await say(db, crew.bob, "@carol")
    [note] = await notifications_of(db, crew.carol.user_id)
    channels = {d.channel: d for d in await deliveries(db)}
    assert sorted(channels) == ["email", "slack"]
    assert channels["slack"].dedup_key == f"notification:{note.id}:slack"
    assert SLACK not in channels["slack"].target  # the delivery keeps it sealed too


async def test_approvals_notify_the_approvers_then_the_requester(db: AsyncSession, crew: Crew) -> None:
    approvals = ApprovalService(db, base_url="https://br.example")
    asked = await approvals.request(crew.carol, "WEB", "milestone_completion", "m-1", "ready")
    [request] = await notifications_of(db, crew.bob.user_id)  # bob is the TechLead
    assert (request.kind, request.priority, request.url) == ("approval.requested", "high",
                                                             f"/p/WEB/approvals/{asked.id}?org=acme")
    assert await notifications_of(db, crew.carol.user_id) == []
    assert await deliveries(db) == []  # the approvals mail the approvers themselves: no second email
    await ApprovalService(db).decide(crew.bob, "WEB", str(asked.id), "approve")
    [decided] = await notifications_of(db, crew.carol.user_id)
    assert (decided.kind, decided.title) == ("approval.decided",
                                            "Bob approved your request for completing a milestone in WEB")
    assert len(await notifications_of(db, crew.bob.user_id)) == 1


async def test_a_status_change_notifies_the_microsteps_watchers(db: AsyncSession, crew: Crew) -> None:
    await WatchService(db).watch(crew.carol, "WEB", "microstep", "ms-212")
    await WatchService(db).watch(crew.bob, "WEB", "microstep", "ms-212")
    await PlanService(db).set_status(crew.bob, "WEB", "ms-212", "in_progress")
    [note] = await notifications_of(db, crew.carol.user_id)
    assert (note.kind, note.priority, note.url) == ("status.changed", "low", "/p/WEB/m/ms-212?org=acme")
    assert "from To do to In progress" in note.title
    assert await notifications_of(db, crew.bob.user_id) == []
