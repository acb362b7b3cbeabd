"""The notifications JSON API on SQLite and PostgreSQL: a mention through the API reaches the mentioned person's
list; paging, marking read, preferences; another person's notification is 404; bad input is 422 naming the field."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import NotificationPreference, NotificationWebhook, Organization
from app.domain.accounts.schemas import Principal, Scope
from app.domain.accounts.services import ApiKeyService
from tests.integration.api.conftest import JSON, key_caller
from tests.integration.conftest import Client, problem
from tests.integration.notifications.conftest import Crew
from tests.integration.notifications.test_inbox import seed

API = "/api/v1/notifications"
SLACK = "https://hooks.slack.com/services/T000/B000/XXXXXXXX"


async def headers_of(db: AsyncSession, who: Principal, *scopes: Scope) -> dict[str, str]:
    return (await key_caller(db, who.email, who, *scopes)).headers


async def test_a_mention_through_the_api_reaches_the_list(client: Client, db: AsyncSession, crew: Crew) -> None:
    bob = await headers_of(db, crew.bob, "plan:read", "comments:write")
    created = await client.post("/api/v1/projects/WEB/comments", headers={**bob, **JSON}, json={
        "entity_type": "microstep", "entity_id": "ms-212", "body": "Over to you, @carol"})
    assert created.status_code == 201, created.text
    carol = await headers_of(db, crew.carol, "plan:read", "comments:write")
    listed = (await client.get(API, headers=carol)).json()
    [item] = listed["items"]
    assert listed["unread"] == 1 and listed["next_cursor"] is None
    assert (item["kind"], item["priority"], item["read_at"]) == ("comment.mention", "high", None)
    assert item["url"] == f"/p/WEB/c/{created.json()['id']}?org=acme"
    assert (await client.get(API, headers=bob)).json()["items"] == []  # not the author

    read = await client.post(f"{API}/{item['id']}/read", headers=carol)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert (await client.get(f"{API}?unread=true", headers=carol)).json() == {
        "items": [], "unread": 0, "next_cursor": None}


async def test_paging_filters_and_read_all(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 5)
    carol = await headers_of(db, crew.carol, "plan:read", "comments:write")
    first = (await client.get(f"{API}?limit=2", headers=carol)).json()
    second = (await client.get(f"{API}?limit=2&cursor={first['next_cursor']}", headers=carol)).json()
    assert [i["title"] for i in [*first["items"], *second["items"]]] == ["Note 4", "Note 3", "Note 2", "Note 1"]
    assert [i["title"] for i in (await client.get(f"{API}?priority=low", headers=carol)).json()["items"]] == [
        "Note 4", "Note 0"]
    done = await client.post(f"{API}/read-all", headers=carol)
    assert done.status_code == 200 and done.json() == {"unread": 0, "changed": 5}


async def test_only_your_own_notifications(client: Client, db: AsyncSession, crew: Crew) -> None:
    await seed(db, crew, 1)
    carol = await headers_of(db, crew.carol, "plan:read", "comments:write")
    [item] = (await client.get(API, headers=carol)).json()["items"]
    for other in (crew.bob, crew.eve):
        headers = await headers_of(db, other, "admin")
        assert (await client.get(API, headers=headers)).json()["items"] == []
        problem(await client.post(f"{API}/{item['id']}/read", headers=headers), 404)
        assert (await client.post(f"{API}/read-all", headers=headers)).json()["changed"] == 0
    globex = await db.scalar(select(Organization.id).where(Organization.slug == "globex"))
    bound = await ApiKeyService(db).create(crew.carol.user_id, name="globex only", scopes=["plan:read"],
                                           organization_id=globex)
    assert (await client.get(API, headers={"Authorization": f"Bearer {bound.secret}"})).json()["items"] == []
    assert (await client.get(API, headers=carol)).json()["unread"] == 1
    problem(await client.get(API), 401)
    problem(await client.post(f"{API}/read-all", headers=await headers_of(db, crew.carol, "plan:read")), 403)


async def test_bad_input_is_422_naming_the_field(client: Client, db: AsyncSession, crew: Crew) -> None:
    carol = await headers_of(db, crew.carol, "plan:read", "comments:write")
    for query, field in (("priority=critical", "priority"), ("limit=0", "limit"), ("limit=1000", "limit"),
                         ("cursor=yesterday", "cursor")):
        assert problem(await client.get(f"{API}?{query}", headers=carol), 422)["field"] == field
    problem(await client.post(f"{API}/not-an-id/read", headers=carol), 404)
    problem(await client.post(f"{API}/00000000-0000-7000-8000-00000000ffff/read", headers=carol), 404)


async def test_preferences(client: Client, db: AsyncSession, crew: Crew) -> None:
    carol = {**await headers_of(db, crew.carol, "plan:read", "comments:write"), **JSON}
    shown = (await client.get(f"{API}/preferences", headers=carol)).json()
    assert {"kind": "comment.mention", "channel": "email", "enabled": True} in shown["settings"]
    assert shown["webhooks"] == [{"channel": "slack", "configured": False},
                                 {"channel": "discord", "configured": False}]
    changed = await client.put(f"{API}/preferences", headers=carol, json={
        "settings": [{"kind": "comment.mention", "channel": "email", "enabled": False}], "slack_webhook_url": SLACK})
    assert changed.status_code == 200, changed.text
    assert {"kind": "comment.mention", "channel": "email", "enabled": False} in changed.json()["settings"]
    assert changed.json()["webhooks"][0] == {"channel": "slack", "configured": True}
    assert SLACK not in changed.text

    for body, field in (
        ({"settings": [{"kind": "gossip", "channel": "email", "enabled": True}]}, "settings[0].kind"),
        ({"discord_webhook_url": "http://discord.com/api/webhooks/1/x"}, "discord_webhook_url"),
    ):
        assert problem(await client.put(f"{API}/preferences", headers=carol, json=body), 422)["field"] == field
    problem(await client.put(f"{API}/preferences", headers=carol, json={"colour": "red"}), 400)
    await db.rollback()
    assert await db.scalar(select(func.count()).select_from(NotificationPreference)) == 1
    assert await db.scalar(select(func.count()).select_from(NotificationWebhook)) == 1
