"""JSON API for the caller's notifications and notification preferences: ``/notifications``.

Everything here is the caller's own: another person's notification is 404. Reading needs a key with ``plan:read``;
marking read and changing preferences ``comments:write`` (the same scope as watching an item).
"""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Request, Router, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.notifications.schemas import (
    NotificationInfo,
    NotificationList,
    Preferences,
    PreferencesUpdate,
    UnreadCount,
)
from app.domain.notifications.services import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    NotificationService,
    PreferenceService,
    WebhookCipher,
)
from app.server.database import request_session
from app.server.deps import service
from app.server.problems import problem_responses
from app.server.settings import Settings

__all__ = ["router"]

READ: Final = {"key_scope": "plan:read"}
WRITE: Final = {"key_scope": "comments:write"}

Caller = NamedDependency[Principal]
Inbox = NamedDependency[NotificationService]
Prefs = NamedDependency[PreferenceService]
UnreadQuery = Annotated[bool, QueryParameter(description="Only unread notifications.", required=False)]
PriorityQuery = Annotated[str | None, QueryParameter(description="Only this priority: low, normal, high or urgent.",
                                                      required=False)]
LimitQuery = Annotated[int, QueryParameter(description=f"At most this many (1 to {MAX_LIMIT}).", required=False)]
CursorQuery = Annotated[str | None, QueryParameter(description="The next_cursor of the previous page.",
                                                    required=False)]


def _provide_prefs(principal: Caller, request: Request[Any, Any, Any]) -> PreferenceService:
    del principal  # resolves the caller first (see app.server.deps)
    settings: Settings = request.app.state.settings
    return PreferenceService(request_session(request), WebhookCipher(settings.secret_key))


@get("/notifications", operation_id="notifications.list", name="notifications.api_list",
     summary="List your notifications", opt=READ, responses=problem_responses())
async def list_notifications(principal: Caller, inbox: Inbox, *, unread: UnreadQuery = False,
                             priority: PriorityQuery = None, limit: LimitQuery = DEFAULT_LIMIT,
                             cursor: CursorQuery = None) -> NotificationList:
    """Your notifications, newest first, with your unread count; page on with ``cursor=next_cursor``."""
    return await inbox.listing(principal, unread=unread, priority=priority, limit=limit, cursor=cursor)


@post("/notifications/{notification_id:str}/read", operation_id="notifications.read", name="notifications.api_read",
      summary="Mark a notification read", opt=WRITE, status_code=200, responses=problem_responses(404, body=True))
async def mark_read(principal: Caller, inbox: Inbox, notification_id: FromPath[str]) -> NotificationInfo:
    """Mark one of your notifications read (a read one stays as it is)."""
    return await inbox.mark_read(principal, notification_id)


@post("/notifications/read-all", operation_id="notifications.read_all", name="notifications.api_read_all",
      summary="Mark all your notifications read", opt=WRITE, status_code=200, responses=problem_responses(body=True))
async def mark_all_read(principal: Caller, inbox: Inbox) -> UnreadCount:
    """Mark every unread notification of yours read; ``changed`` says how many."""
    changed = await inbox.mark_all_read(principal)
    return UnreadCount(unread=await inbox.unread_count(principal), changed=changed)


@get("/notifications/preferences", operation_id="notifications.preferences", name="notifications.api_preferences",
     summary="Get your notification preferences", opt=READ, responses=problem_responses())
async def get_preferences(principal: Caller, prefs: Prefs) -> Preferences:
    """Every kind and channel with whether it is on, and which webhooks are stored (never their addresses)."""
    return await prefs.get(principal)


@put("/notifications/preferences", operation_id="notifications.update_preferences",
     name="notifications.api_update_preferences", summary="Change your notification preferences", opt=WRITE,
     responses=problem_responses(body=True))
async def update_preferences(principal: Caller, prefs: Prefs, data: JSONBody[PreferencesUpdate]) -> Preferences:
    """Change the settings given (others stay) and set (https URL) or remove (``""``) the Slack and Discord webhooks.

    Everything is checked first: an unknown kind or channel or a bad address is 422 naming the field, and nothing
    changes.
    """
    return await prefs.update(principal, data)


router = Router(
    path="/", route_handlers=[list_notifications, mark_all_read, mark_read, get_preferences, update_preferences],
    tags=["notifications"],
    dependencies={"inbox": service(NotificationService), "prefs": Provide(_provide_prefs, sync_to_thread=False)},
)
