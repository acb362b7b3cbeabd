"""JSON API for projects and plans under ``/api/v1``: thin handlers over the project services."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request, Response, Router, get, post, put
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.projects.schemas import ProjectAccess, ProjectCreate, ProjectSummary, RevisionInfo
from app.domain.projects.services import PlanService, ProjectService
from app.lib.errors import PreconditionRequired

__all__ = ["parse_if_match", "router"]

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')
OrgQuery = Annotated[str | None, QueryParameter(name="org", description="Organization slug, when a key is ambiguous.")]
Caller = NamedDependency[Principal]
Projects = NamedDependency[ProjectService]
Plans = NamedDependency[PlanService]


def etag(number: int) -> str:
    """The ETag of a plan revision."""
    return f'"{number}"'


def parse_if_match(value: str | None) -> int | None:
    """The revision an ``If-Match`` header names (``*`` means any).

    Raises:
        PreconditionRequired: when the header is missing or is not a revision ETag.
    """
    if value is None or not value.strip():
        raise PreconditionRequired('send If-Match with the ETag of the plan you edited (e.g. If-Match: "3"; "0" '
                                   "for the first upload)")
    if value.strip() == "*":
        return None
    match = _ETAG.match(value.strip())
    if match is None:
        raise PreconditionRequired(f"If-Match {value!r} is not a plan ETag; use the ETag from GET .../plan")
    return int(match.group(1))


@get("/projects", operation_id="projects.list", name="projects.list", summary="List projects with progress")
async def list_projects(principal: Caller, projects: Projects, org: OrgQuery = None) -> list[ProjectSummary]:
    """Projects of the caller's organizations (or of ``org``), with microstep counts by status."""
    return await projects.list_visible(principal, org)


@post("/projects", operation_id="projects.create", name="projects.create", summary="Create a project")
async def create_project(principal: Caller, projects: Projects, data: JSONBody[ProjectCreate]) -> ProjectAccess:
    """Create a project in one of the caller's organizations; the caller becomes its PM."""
    return await projects.create(principal, data.org, data.key, data.name, data.description)


@get("/projects/{key:str}/plan", operation_id="plans.get", name="plans.get", summary="Get the current plan",
     media_type="application/json")
async def get_plan(principal: Caller, plans: Plans, key: FromPath[str], org: OrgQuery = None) -> Response[bytes]:
    """The current ``plan.json``; ``ETag`` is its revision number."""
    snapshot = await plans.get_plan(principal, key, org=org)
    return Response(snapshot.content, media_type="application/json", headers={"ETag": etag(snapshot.info.number)})


@put("/projects/{key:str}/plan", operation_id="plans.put", name="plans.put", summary="Save a new plan revision")
async def put_plan(
    request: Request[Any, Any, Any], principal: Caller, plans: Plans, key: FromPath[str], *, org: OrgQuery = None,
    if_match: Annotated[str | None, HeaderParameter(name="If-Match")] = None,
) -> Response[RevisionInfo]:
    """Store the body as the next revision; ``If-Match`` must name the current one (stale: 412)."""
    expected = parse_if_match(if_match)
    if request.content_type[0] not in ("application/json", ""):
        raise ClientException(status_code=415, detail="send the plan as application/json")
    revision = await plans.save(principal, key, await request.body(), expected_revision=expected, org=org,
                                message=request.headers.get("x-br-message", ""))
    return Response(revision, headers={"ETag": etag(revision.number)})


router = Router(path="/api/v1", route_handlers=[list_projects, create_project, get_plan, put_plan], tags=["projects"])
