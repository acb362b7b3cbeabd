"""Notification pages: the bell (``/notifications/bell``, loaded lazily into every page's header), the flyout
(``/notifications/flyout``), the full list (``/notifications``), marking read, and the preferences
(``/settings/notifications``). Every page works without JavaScript; htmx swaps the named blocks."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.accounts.web import requires_session
from app.domain.notifications.schemas import CHANNELS, DEFAULTS, KINDS, PRIORITIES, PreferenceSetting, PreferencesUpdate
from app.domain.notifications.services import NotificationService, PreferenceService, WebhookCipher
from app.domain.projects.web._common import URL_ENCODED
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.i18n import ngettext
from app.server.deps import service
from app.server.settings import Settings
from app.server.web import is_fragment_request, page, redirect

__all__ = ["router"]

LIST: Final = "notifications/list.html.j2"
BELL: Final = "notifications/bell.html.j2"
FLYOUT: Final = "notifications/flyout.html.j2"
SETTINGS: Final = "notifications/settings.html.j2"
FLYOUT_SIZE: Final = 8

_OFFERED: Final = tuple((kind, channel) for kind in KINDS for channel in CHANNELS if channel in DEFAULTS[kind].offered)

Caller = NamedDependency[Principal]
Inbox = NamedDependency[NotificationService]
Prefs = NamedDependency[PreferenceService]
OptionalText = Annotated[str | None, QueryParameter(required=False)]


def _provide_prefs(request: Request[Any, Any, Any], principal: Caller,
                   db_session: NamedDependency[AsyncSession]) -> PreferenceService:
    del principal  # resolves the caller first (see app.server.deps)
    settings: Settings = request.app.state.settings
    return PreferenceService(db_session, WebhookCipher(settings.secret_key))


class Filters(msgspec.Struct, frozen=True, kw_only=True):
    """The list's filters, as the query string (and the mark-read forms' hidden fields) carry them."""

    unread: bool = False
    priority: str = ""

    def url(self, cursor: str | None = None) -> str:
        """``/notifications`` with these filters (and ``cursor``: an older page)."""
        query = {"unread": "1" if self.unread else "", "priority": self.priority, "cursor": cursor or ""}
        kept = {name: value for name, value in query.items() if value}
        return "/notifications" + (f"?{urlencode(kept)}" if kept else "")


class MarkForm(msgspec.Struct):
    """A mark-read button: the list filters to come back to, and where it sits (``flyout``: the header's)."""

    unread: str = ""
    priority: str = ""
    view: str = ""


class PreferencesForm(msgspec.Struct):
    """The preferences form: ticked ``kind|channel`` boxes and webhook addresses (empty: keep what is stored)."""

    pref: list[str] | str = msgspec.field(default_factory=list)
    slack_webhook_url: str = ""
    discord_webhook_url: str = ""
    remove_slack: str = ""
    remove_discord: str = ""

    def update(self) -> PreferencesUpdate:
        """Every kind and channel (unticked ones off), and the webhook changes."""
        ticked = {self.pref} if isinstance(self.pref, str) else set(self.pref)
        unknown = ticked - {f"{kind}|{channel}" for kind, channel in _OFFERED}
        if unknown:
            raise ValidationFailed("pref", _("the form asked for a kind or channel this server does not know; "
                                             "reload the page and try again"))
        settings = [PreferenceSetting(kind=kind, channel=channel, enabled=f"{kind}|{channel}" in ticked)
                    for kind, channel in _OFFERED]
        return PreferencesUpdate(
            settings=settings,
            slack_webhook_url="" if self.remove_slack else (self.slack_webhook_url.strip() or None),
            discord_webhook_url="" if self.remove_discord else (self.discord_webhook_url.strip() or None))


def _filters(unread: str | None, priority: str | None) -> Filters:
    return Filters(unread=unread in ("1", "true", "on"), priority=priority or "")


async def _list_page(request: Request[Any, Any, Any], inbox: NotificationService, principal: Principal,
                     filters: Filters, cursor: str | None = None) -> Response[Any]:
    try:
        shown = await inbox.listing(principal, unread=filters.unread, priority=filters.priority, cursor=cursor)
        error, status = None, 200
    except ValidationFailed as exc:
        shown = await inbox.listing(principal, unread=filters.unread)
        error, status = {"field": exc.field, "message": exc.detail}, exc.status
    context = {"shown": shown, "filters": filters, "priorities": PRIORITIES, "error": error, "cursor": cursor,
               "oob": is_fragment_request(request)}
    return page(request, LIST, context, block="entries", status_code=status)


@get("/notifications", name="notifications.list")
async def list_page(request: Request[Any, Any, Any], *, principal: Caller, inbox: Inbox, unread: OptionalText = None,
                    priority: OptionalText = None, cursor: OptionalText = None) -> Response[Any]:
    """Your notifications, newest first, filtered by read state and priority, a page at a time."""
    return await _list_page(request, inbox, principal, _filters(unread, priority), cursor)


@get("/notifications/bell", name="notifications.bell")
async def bell(request: Request[Any, Any, Any], *, principal: Caller, inbox: Inbox) -> Response[Any]:
    """The header's bell with the unread count (``#notification-bell``), for htmx and the live stream."""
    if not is_fragment_request(request):
        return redirect(request, "/notifications")
    return page(request, BELL, {"unread": await inbox.unread_count(principal)}, block="bell")


@get("/notifications/flyout", name="notifications.flyout")
async def flyout(request: Request[Any, Any, Any], *, principal: Caller, inbox: Inbox) -> Response[Any]:
    """The latest notifications, for the header's flyout; without htmx, the full list."""
    if not is_fragment_request(request):
        return redirect(request, "/notifications")
    return await _flyout(request, inbox, principal)


async def _flyout(request: Request[Any, Any, Any], inbox: NotificationService, principal: Principal) -> Response[Any]:
    shown = await inbox.listing(principal, limit=FLYOUT_SIZE)
    return page(request, FLYOUT, {"shown": shown, "oob": True}, block="flyout")


@post("/notifications/{notification_id:str}/read", name="notifications.read")
async def mark_read(request: Request[Any, Any, Any], *, principal: Caller, inbox: Inbox,
                    notification_id: FromPath[str], data: Annotated[MarkForm, URL_ENCODED]) -> Response[Any]:
    """Mark one notification read: the list again (htmx: its entries), or back to the list with a message."""
    await inbox.mark_read(principal, notification_id)
    return await _after_marking(request, inbox, principal, data, _("Marked as read."))


async def _after_marking(request: Request[Any, Any, Any], inbox: NotificationService, principal: Principal,
                         data: MarkForm, message: str) -> Response[Any]:
    """htmx: the flyout or the list's entries again (the bell updated out of band); else 303 with a message."""
    filters = _filters(data.unread, data.priority if data.priority in PRIORITIES else "")
    if is_fragment_request(request):
        if data.view == "flyout":
            return await _flyout(request, inbox, principal)
        return await _list_page(request, inbox, principal, filters)
    return redirect(request, filters.url(), ("success", message))


@post("/notifications/read-all", name="notifications.read_all")
async def mark_all_read(request: Request[Any, Any, Any], *, principal: Caller, inbox: Inbox,
                        data: Annotated[MarkForm, URL_ENCODED]) -> Response[Any]:
    """Mark every notification read."""
    changed = await inbox.mark_all_read(principal)
    return await _after_marking(request, inbox, principal, data,
                                ngettext("Marked %(num)d notification as read.",
                                         "Marked %(num)d notifications as read.", changed) % {"num": changed})


async def _settings_page(request: Request[Any, Any, Any], prefs: PreferenceService, principal: Principal, *,
                         errors: dict[str, str] | None = None, status: int = 200) -> Response[Any]:
    current = await prefs.get(principal)
    enabled = {(item.kind, item.channel) for item in current.settings if item.enabled}
    context = {"kinds": KINDS, "channels": CHANNELS, "enabled": enabled, "errors": errors or {}, "offered": _OFFERED,
               "webhooks": {hook.channel: hook.configured for hook in current.webhooks}}
    return page(request, SETTINGS, context, block="preferences", status_code=status)


@get("/settings/notifications", name="notifications.settings")
async def settings_page(request: Request[Any, Any, Any], *, principal: Caller, prefs: Prefs) -> Response[Any]:
    """Which notifications reach you where, and your Slack and Discord webhooks."""
    return await _settings_page(request, prefs, principal)


@post("/settings/notifications", name="notifications.settings_save")
async def save_settings(request: Request[Any, Any, Any], *, principal: Caller, prefs: Prefs,
                        data: Annotated[PreferencesForm, URL_ENCODED]) -> Response[Any]:
    """Save the preferences; a bad webhook address comes back with its field named (422) and nothing changes."""
    try:
        await prefs.update(principal, data.update())
    except ValidationFailed as exc:
        return await _settings_page(request, prefs, principal, errors={exc.field: exc.detail}, status=exc.status)
    return redirect(request, "/settings/notifications", ("success", _("Your notification preferences are saved.")))


router = Router(
    path="/", route_handlers=[list_page, bell, flyout, mark_all_read, mark_read, settings_page, save_settings],
    guards=[requires_session], include_in_schema=False,
    dependencies={"inbox": service(NotificationService), "prefs": Provide(_provide_prefs, sync_to_thread=False)},
)
