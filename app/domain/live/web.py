"""Live updates in the browser: ``GET /p/{key}/live``, the project's events as HTML fragments for htmx's SSE extension,
which is also how a page says who is viewing it (connect = join, disconnect = leave); the presence heartbeat and
typing pings; and one comment rendered for its viewer, which the stream's loaders fetch.

Pages keep working without JavaScript: nothing here is needed to read or write, it only saves a reload.

Reconnects (htmx-ext-sse 2.2): when a stream ends or the network drops, the browser's EventSource reconnects by
itself and sends ``Last-Event-ID``, and the missed events are replayed exactly once. Only when a reconnect is refused
(not a 200 event stream: signed out, server down) does the extension open a new EventSource, with backoff and without
``Last-Event-ID``: that page misses what happened meanwhile rather than seeing it twice. ``static/js/live.js`` also
skips a message whose id it already applied and a loader for a comment the page already shows.
"""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import AsyncGenerator
from datetime import UTC, datetime
from typing import Annotated, Any, Final

import anyio
import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage

from app.domain.accounts.schemas import Principal
from app.domain.accounts.web import requires_session
from app.domain.comments.schemas import MAX_THREADS, ThreadInfo
from app.domain.comments.web._common import Comments, CommentUrls, OrgQuery, thread_context
from app.domain.comments.web._common import dependencies as comment_dependencies
from app.domain.live.api import STREAM_HEADERS, LastEventId, parse_last_event_id
from app.domain.live.events import RETRY_MS, LiveHub, Signal, live_hub
from app.domain.live.fragments import FragmentRenderer, LivePage
from app.domain.live.presence import Viewer
from app.domain.projects.services import ProjectService
from app.domain.projects.web._common import URL_ENCODED
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import is_fragment_request, page, redirect

__all__ = ["RENDERER_STATE_KEY", "parse_entity", "router"]

RENDERER_STATE_KEY: Final = "live_fragments"
Caller = NamedDependency[Principal]
Projects = NamedDependency[ProjectService]
EntityQuery = Annotated[str, QueryParameter(name="entity", required=False)]
# Any plan id (only shown escaped and compared), but nothing that could pass for markup or a second parameter.
_ENTITY: Final = re.compile(r"^(milestone|step|microstep):[^\x00-\x20<>\"'&]{1,200}$")
_PARTS: Final = ("comment", "reply", "thread")


def parse_entity(value: str) -> str:
    """The item a page shows, as ``type:id`` (``""``: the plan page).

    Raises:
        ValidationFailed: naming ``entity`` when it is not a milestone, step or microstep id.
    """
    value = value.strip()
    if value and not _ENTITY.match(value):
        raise ValidationFailed("entity", _("use milestone:ID, step:ID or microstep:ID, or nothing for the plan"))
    return value


def _viewer(principal: Principal, entity: str) -> Viewer:
    name = principal.name or principal.email
    if principal.impersonator is not None:  # a GlobalAdmin acting as them: others see who is really there
        name = _("%(name)s (by %(admin)s)") % {"name": name, "admin": principal.impersonator}
    return Viewer(user_id=str(principal.user_id), name=name, entity=entity)


def _renderer(request: Request[Any, Any, Any]) -> FragmentRenderer:
    state = request.app.state
    if RENDERER_STATE_KEY not in state:
        state[RENDERER_STATE_KEY] = FragmentRenderer(request.app.template_engine.engine)  # type: ignore[union-attr]
    renderer: FragmentRenderer = state[RENDERER_STATE_KEY]
    return renderer


def parse_rendered_at(value: str) -> datetime | None:
    """``at``: when the page was rendered, in milliseconds since 1970 (``""``: not given).

    Raises:
        ValidationFailed: naming ``at`` when it is not such a number.
    """
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or len(value) > 15:
        raise ValidationFailed("at", _("use the time the page was rendered, in milliseconds since 1970"))
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


@get("/p/{key:str}/live", name="live.page_stream", media_type="text/event-stream")
async def page_stream(request: Request[Any, Any, Any], *, principal: Caller, projects: Projects, key: FromPath[str],
                      entity: EntityQuery = "", org: OrgQuery = None, last_event_id: LastEventId = None,
                      at: Annotated[str, QueryParameter(required=False)] = "") -> ServerSentEvent:
    """The page's live updates as HTML fragments (see ``templates/live``); being connected counts as viewing.

    ``at`` (the page's render time) replays what happened between the render and the first connection; a
    reconnection's ``Last-Event-ID`` takes precedence.
    """
    after, rendered_at = parse_last_event_id(last_event_id), parse_rendered_at(at)
    project = await projects.get(principal, key, org=org)
    live = LivePage(key=project.key, org=project.organization_slug if org else None, entity=parse_entity(entity),
                    viewer=_viewer(principal, parse_entity(entity)))
    stream = _page_events(live_hub(request.app), _renderer(request), project.id, live, after=after,
                          rendered_at=rendered_at)
    return ServerSentEvent(stream, headers=STREAM_HEADERS)


async def _page_events(hub: LiveHub, renderer: FragmentRenderer, project_id: uuid.UUID, live: LivePage, *,
                       after: int | None, rendered_at: datetime | None) -> AsyncGenerator[ServerSentEventMessage]:
    connection = uuid.uuid4().hex
    joined = False
    try:
        async with contextlib.aclosing(hub.items(project_id, after, since=rendered_at)) as items:
            async for item in items:
                if item is Signal.CONNECTED:
                    yield ServerSentEventMessage(retry=RETRY_MS, comment="connected")
                    joined = True
                    if await hub.presence.join(project_id, connection, live.viewer):
                        await hub.publish_presence(project_id, "join", live.viewer)
                    else:  # nobody else learns anything new, but this page still needs the list
                        for message in await _current_presence(hub, renderer, project_id, live):
                            yield message
                elif item is Signal.HEARTBEAT:
                    yield ServerSentEventMessage(comment="heartbeat")
                elif item is Signal.RESET:
                    for message in renderer.missed():
                        yield message
                elif isinstance(item, bytes):
                    for message in renderer.messages(item, live):
                        yield message
    finally:
        if joined:
            # The client went away: this runs while the response is being cancelled, so shield the goodbye.
            with anyio.CancelScope(shield=True):
                if await hub.presence.leave(project_id, connection):
                    await hub.publish_presence(project_id, "leave", live.viewer)


async def _current_presence(hub: LiveHub, renderer: FragmentRenderer, project_id: uuid.UUID,
                            live: LivePage) -> tuple[ServerSentEventMessage, ...]:
    snapshot = await hub.presence.snapshot(project_id)
    data = {"change": {}, **msgspec.structs.asdict(snapshot)}
    item = msgspec.json.encode({"type": "presence", "data": data})
    return tuple(message for message in renderer.messages(item, live) if message.event == "presence")


class PresenceForm(msgspec.Struct):
    """The item of the page that pings (``type:id``, empty for the plan page)."""

    entity: str = ""


@post("/p/{key:str}/presence", name="live.presence", status_code=204)
async def presence_heartbeat(request: Request[Any, Any, Any], *, principal: Caller, projects: Projects,
                             key: FromPath[str], data: Annotated[PresenceForm, URL_ENCODED],
                             org: OrgQuery = None) -> None:
    """The page is still open: keep its viewer listed (and list them again when their entry had expired)."""
    project = await projects.get(principal, key, org=org)
    hub, viewer = live_hub(request.app), _viewer(principal, parse_entity(data.entity))
    # When the stream's entry had expired (a sleeping laptop), the heartbeat gets an entry of its own (which expires
    # in turn): the viewer is listed again.
    if not await hub.presence.touch(project.id, viewer) and \
            await hub.presence.join(project.id, f"beat:{viewer.user_id}:{viewer.entity}", viewer):
        await hub.publish_presence(project.id, "join", viewer)


@post("/p/{key:str}/typing", name="live.typing", status_code=204)
async def typing_ping(request: Request[Any, Any, Any], *, principal: Caller, projects: Projects, key: FromPath[str],
                      data: Annotated[PresenceForm, URL_ENCODED], org: OrgQuery = None) -> None:
    """The viewer is typing in the item's comment box: others hear it once, not on every ping."""
    project = await projects.get(principal, key, org=org)
    hub, viewer = live_hub(request.app), _viewer(principal, parse_entity(data.entity))
    state = await hub.presence.typing(project.id, viewer)
    if state is not None:  # "continued" keeps the indicator up without announcing it again
        await hub.publish_presence(project.id, "typing" if state == "started" else "typing-on", viewer)


@get("/p/{key:str}/c/{comment_id:str}/live", name="live.comment")
async def live_comment(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, key: FromPath[str],
                       comment_id: FromPath[str], event: Annotated[str, QueryParameter(required=False)] = "",
                       part: Annotated[str, QueryParameter(required=False)] = "comment",
                       org: OrgQuery = None) -> Response[Any]:
    """A comment (or its whole thread) with this viewer's buttons, and the sentence announcing the change. A browser
    that asks without htmx goes to the comment's permalink."""
    if not is_fragment_request(request):
        return redirect(request, CommentUrls(key, org).comment(comment_id))
    if part not in _PARTS:
        raise ValidationFailed("part", _("use one of %(choices)s") % {"choices": ", ".join(_PARTS)})
    comment = await comments.get(principal, key, comment_id, org=org)
    whole = part == "thread" and event != "comment.created"  # a new thread has no replies yet
    view = await comments.view(principal, key, comment.entity_type, comment.entity_id,
                               limit=MAX_THREADS if whole else 1, org=org)
    thread = next((t for t in view.page.threads if t.root.id == comment.id), None) if whole else \
        ThreadInfo(root=comment, replies=[])
    if thread is None:  # beyond the threads a page shows: nothing to refresh
        return Response(content=b"", status_code=204)
    context = thread_context(view, org, thread=thread, comment=comment, part=part, event=event)
    return page(request, "live/comment.html.j2", context)


router: Final = Router(path="/", route_handlers=[page_stream, presence_heartbeat, typing_ping, live_comment],
                       dependencies=comment_dependencies(), guards=[requires_session], include_in_schema=False)
