"""JSON API of live updates: ``GET /projects/{key}/events``, the project's events as Server-Sent Events."""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from litestar import Request, Router, get
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath, HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent

from app.domain.accounts.schemas import Principal
from app.domain.live.events import live_hub
from app.domain.projects.permissions import Action
from app.domain.projects.services import ProjectService
from app.lib.i18n import gettext as _
from app.server.problems import problem_responses

__all__ = ["STREAM_HEADERS", "parse_last_event_id", "router"]

Caller = NamedDependency[Principal]
Projects = NamedDependency[ProjectService]
OrgQuery = Annotated[str | None, QueryParameter(name="org", description="Organization slug, when a key is ambiguous.")]
FollowQuery = Annotated[bool, QueryParameter(
    description="false: send the events after Last-Event-ID, then close (catch up without staying connected).")]
LastEventId = Annotated[str | None, HeaderParameter(
    name="Last-Event-ID", description="The id of the last event received; the events after it are sent first.")]
STREAM_HEADERS: Final = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}  # no proxy buffering
_EVENT_ID: Final = re.compile(r"^\d{1,18}$")


def parse_last_event_id(value: str | None) -> int | None:
    """The event id a ``Last-Event-ID`` header names (empty: none).

    Raises:
        ClientException: 400 when it is not a whole number.
    """
    if value is None or not value.strip():
        return None
    if not _EVENT_ID.match(value.strip()):
        raise ClientException(status_code=400, detail=_(
            "Last-Event-ID must be the id of an event of this stream, a whole number (got %(value)r)")
            % {"value": value[:40]})
    return int(value)


@get("/projects/{key:str}/events", operation_id="live.events", name="live.events",
     summary="Stream the project's events (Server-Sent Events)", opt={"action": Action.VIEW_PLAN},
     media_type="text/event-stream", responses=problem_responses(404))
async def project_events(request: Request[Any, Any, Any], principal: Caller, projects: Projects,
                         key: FromPath[str], *, last_event_id: LastEventId = None, follow: FollowQuery = True,
                         org: OrgQuery = None) -> ServerSentEvent:
    """``text/event-stream`` of the project's comments and plan revisions: each event has an ``id:``, its type as
    ``event:`` and JSON ``data:`` ``{id, type, project, entity, data, at}``. A comment line every 15 s keeps the
    connection open; ``event: reset`` says events were missed beyond the kept history (reload), ``event: overflow``
    that the client read too slowly and was disconnected (reconnect with Last-Event-ID). ``event: presence`` (no
    ``id:``, never replayed) says who is viewing which item and who is typing, whole, after each change."""
    after = parse_last_event_id(last_event_id)
    project = await projects.get(principal, key, org=org)
    stream = live_hub(request.app).stream(project.id, after, follow=follow)
    return ServerSentEvent(stream, headers=STREAM_HEADERS)


router: Final = Router(path="/", route_handlers=[project_events], tags=["live"])
