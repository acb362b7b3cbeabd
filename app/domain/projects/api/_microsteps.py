"""``/projects/{key}/microsteps``: filter and read microsteps, change their status and criteria."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get, put
from litestar.params import FromPath, JSONBody, QueryParameter

from app.domain.projects.api._common import (
    ETAG_HEADER,
    Caller,
    IfMatch,
    Microsteps,
    OrgQuery,
    etag,
    parse_optional_if_match,
)
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import (
    MAX_OFFSET,
    MAX_PAGE,
    CriterionUpdate,
    MicrostepChange,
    MicrostepDetail,
    MicrostepFilter,
    MicrostepPage,
    StatusUpdate,
)
from app.server.problems import problem_responses
from buildrunner.spec.model import Status

__all__ = ["check_criterion", "get_microstep", "list_microsteps", "set_status"]

StatusQuery = Annotated[Status | None, QueryParameter(description="Only microsteps with this status.")]
OwnerQuery = Annotated[str | None, QueryParameter(description="Only microsteps of this owner (empty: unowned).")]
TagQuery = Annotated[str | None, QueryParameter(description="Only microsteps with this tag.")]
SearchQuery = Annotated[str | None, QueryParameter(description="Text to find in titles, ignoring case.")]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size.")]
OffsetQuery = Annotated[int, QueryParameter(ge=0, le=MAX_OFFSET, description="Matches to skip.")]


@get("/projects/{key:str}/microsteps", operation_id="microsteps.list", name="microsteps.list",
     summary="List microsteps by status, owner, tag and title", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def list_microsteps(
    principal: Caller, microsteps: Microsteps, key: FromPath[str], *, org: OrgQuery = None, status: StatusQuery = None,
    owner: OwnerQuery = None, tag: TagQuery = None, q: SearchQuery = None, limit: LimitQuery = 100,
    offset: OffsetQuery = 0,
) -> MicrostepPage:
    """Microsteps of the current revision matching every given filter, in plan order."""
    filters = MicrostepFilter(status=status, owner=owner, tag=tag, q=q, limit=limit, offset=offset)
    return await microsteps.search(principal, key, filters, org=org)


@get("/projects/{key:str}/microsteps/{microstep_id:str}", operation_id="microsteps.get", name="microsteps.get",
     summary="Get a microstep", opt={"action": Action.VIEW_PLAN}, response_headers=ETAG_HEADER,
     responses=problem_responses(404))
async def get_microstep(principal: Caller, microsteps: Microsteps, key: FromPath[str], microstep_id: FromPath[str],
                        org: OrgQuery = None) -> Response[MicrostepDetail]:
    """One microstep with its acceptance criteria; ``ETag`` is the plan revision."""
    detail = await microsteps.get(principal, key, microstep_id, org=org)
    return Response(detail, headers={"ETag": etag(detail.revision)})


@put("/projects/{key:str}/microsteps/{microstep_id:str}/status", operation_id="microsteps.set_status",
     name="microsteps.set_status", summary="Change a microstep's status", opt={"action": Action.CHANGE_STATUS},
     response_headers=ETAG_HEADER, responses=problem_responses(404, 412, 428, body=True))
async def set_status(principal: Caller, microsteps: Microsteps, key: FromPath[str], microstep_id: FromPath[str],
                     data: JSONBody[StatusUpdate], *, org: OrgQuery = None,
                     if_match: IfMatch = None) -> Response[MicrostepChange]:
    """Set the status as a new revision (``done`` needs every criterion met); ``If-Match`` is optional."""
    change = await microsteps.set_status(principal, key, microstep_id, data.status, org=org,
                                         expected_revision=parse_optional_if_match(if_match))
    return Response(change, headers={"ETag": etag(change.revision.number)})


@put("/projects/{key:str}/microsteps/{microstep_id:str}/criteria/{criterion_id:str}",
     operation_id="microsteps.check_criterion", name="microsteps.check_criterion",
     summary="Mark an acceptance criterion met or unmet", opt={"action": Action.CHECK_CRITERIA},
     response_headers=ETAG_HEADER, responses=problem_responses(404, 412, 428, body=True))
async def check_criterion(principal: Caller, microsteps: Microsteps, key: FromPath[str], microstep_id: FromPath[str],
                          criterion_id: FromPath[str], *, data: JSONBody[CriterionUpdate], org: OrgQuery = None,
                          if_match: IfMatch = None) -> Response[MicrostepChange]:
    """Check or uncheck a criterion as a new revision; ``If-Match`` is optional."""
    change = await microsteps.check(principal, key, microstep_id, criterion_id, met=data.met, org=org,
                                    expected_revision=parse_optional_if_match(if_match))
    return Response(change, headers={"ETag": etag(change.revision.number)})
