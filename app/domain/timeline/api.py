"""JSON API of the timeline: ``/projects/{key}/timeline`` (events, filtered and paged) and ``/projects/{key}/burnup``.

Both need ``view plan`` (key scope ``plan:read``). The filters are read as text and checked by the service, so that
a bad one (an unknown kind, a date that is not one, a ``before`` beyond any ``seq``) answers 422 naming it.
"""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.timeline.schemas import KINDS, Burnup, TimelinePage
from app.domain.timeline.services import MAX_LIMIT, MAX_POINTS, TimelineQuery, TimelineService
from app.server.deps import service
from app.server.problems import problem_responses

__all__ = ["router"]

Caller = NamedDependency[Principal]
Timeline = NamedDependency[TimelineService]
OrgQuery = Annotated[str | None, QueryParameter(name="org", description="Organization slug, when a key is ambiguous.")]
ActorQuery = Annotated[str, QueryParameter(
    description="Only what this person did: an email (their API keys' entries too) or an exact actor label.")]
KindQuery = Annotated[list[str] | None, QueryParameter(
    description=f"Only these kinds: {', '.join(KINDS)}. Repeat the parameter or separate kinds with commas.")]
EntityQuery = Annotated[str, QueryParameter(
    description="Only events about this entity: a microstep, step or milestone id, a revision number, an approval "
                "or conflict id, or the start of one (`ms-12`).")]
SinceQuery = Annotated[str, QueryParameter(description="Only events on or after this UTC day (`2026-01-31`).")]
UntilQuery = Annotated[str, QueryParameter(description="Only events on or before this UTC day (`2026-02-28`).")]
BeforeQuery = Annotated[str, QueryParameter(
    description="Only events older than this `seq`: the previous page's `next_before`.")]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=MAX_LIMIT, description="Page size.")]
PointsQuery = Annotated[int, QueryParameter(ge=2, le=1000, description="At most this many points (downsampled: "
                                                                      "the first, and the last of each stretch of "
                                                                      "time).")]


@get("/projects/{key:str}/timeline", operation_id="timeline.list", name="timeline.list",
     summary="List a project's timeline events, newest first", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def list_events(principal: Caller, timeline: Timeline, key: FromPath[str], *, org: OrgQuery = None,
                      actor: ActorQuery = "", kind: KindQuery = None, entity: EntityQuery = "", since: SinceQuery = "",
                      until: UntilQuery = "", before: BeforeQuery = "", limit: LimitQuery = 50) -> TimelinePage:
    """Status changes, revisions, syncs, comments, approvals, policy changes and conflicts, each with its actor,
    time, entity (with the page about it) and a one-line summary; page with `before`."""
    query = TimelineQuery(actor=actor, kinds=tuple(kind or ()), entity=entity, since=since, until=until,
                          before=before, limit=limit)
    return await timeline.events(principal, key, query, org=org)


@get("/projects/{key:str}/burnup", operation_id="timeline.burnup", name="timeline.burnup",
     summary="Get a project's burn-up: microsteps done and in all after each revision",
     opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def get_burnup(principal: Caller, timeline: Timeline, key: FromPath[str], *, org: OrgQuery = None,
                     points: PointsQuery = MAX_POINTS) -> Burnup:
    """One point per revision, oldest first (downsampled past `points`): its time, microsteps done and in all."""
    return await timeline.burnup(principal, key, points=points, org=org)


router = Router(path="/", route_handlers=[list_events, get_burnup], dependencies={"timeline": service(TimelineService)},
                tags=["timeline"])
