"""``/projects``, ``/projects/{key}`` and ``/projects/{key}/members``."""

from __future__ import annotations

from litestar import get, post, put
from litestar.params import FromPath, JSONBody

from app.domain.projects.api._common import Caller, OrgQuery, Projects
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import MemberInfo, MemberUpdate, ProjectAccess, ProjectCreate, ProjectSummary
from app.server.problems import problem_responses

__all__ = ["create_project", "get_project", "list_members", "list_projects", "set_member"]


@get("/projects", operation_id="projects.list", name="projects.list", summary="List projects with progress",
     opt={"key_scope": "plan:read"}, responses=problem_responses(404))
async def list_projects(principal: Caller, projects: Projects, org: OrgQuery = None) -> list[ProjectSummary]:
    """Projects of the caller's organizations (or of ``org``), with microstep counts by status."""
    return await projects.list_visible(principal, org)


@post("/projects", operation_id="projects.create", name="projects.create", summary="Create a project",
      opt={"key_scope": "admin"}, responses=problem_responses(404, 409, body=True))
async def create_project(principal: Caller, projects: Projects, data: JSONBody[ProjectCreate]) -> ProjectAccess:
    """Create a project in one of the caller's organizations; the caller becomes its PM."""
    return await projects.create(principal, data.org, data.key, data.name, data.description)


@get("/projects/{key:str}", operation_id="projects.get", name="projects.get", summary="Get a project with progress",
     opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def get_project(principal: Caller, projects: Projects, key: FromPath[str], org: OrgQuery = None,
                      ) -> ProjectSummary:
    """One project, the caller's role in it and its microstep counts by status."""
    return await projects.summary(principal, key, org=org)


@get("/projects/{key:str}/members", operation_id="members.list", name="members.list",
     summary="List a project's members", opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def list_members(principal: Caller, projects: Projects, key: FromPath[str], org: OrgQuery = None,
                       ) -> list[MemberInfo]:
    """People with an explicit role in the project (organization owners and admins act as PM without one)."""
    return await projects.member_list(principal, key, org=org)


@put("/projects/{key:str}/members", operation_id="members.set", name="members.set",
     summary="Give a member a project role", opt={"action": Action.MANAGE_MEMBERS},
     responses=problem_responses(404, body=True))
async def set_member(principal: Caller, projects: Projects, key: FromPath[str], data: JSONBody[MemberUpdate],
                     org: OrgQuery = None) -> MemberInfo:
    """Give a member of the project's organization a role in the project, or change it."""
    return await projects.assign_member(principal, key, data.email, data.role, org=org)
