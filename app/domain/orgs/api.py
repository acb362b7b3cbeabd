"""JSON API for organizations: the caller's, a new one, and the members of one."""

from __future__ import annotations

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from app.domain.accounts.schemas import Principal
from app.domain.orgs.schemas import OrgCreate, OrgInfo, OrgMember
from app.domain.orgs.services import OrgService
from app.server.deps import service
from app.server.problems import problem_responses

__all__ = ["router"]

Caller = NamedDependency[Principal]
Orgs = NamedDependency[OrgService]


@get("/orgs", operation_id="orgs.list", name="orgs.list", summary="List your organizations",
     opt={"key_scope": "plan:read"}, responses=problem_responses())
async def list_orgs(principal: Caller, orgs: Orgs) -> list[OrgInfo]:
    """The caller's organizations with their role in each, by name."""
    return [OrgInfo(slug=org.slug, name=org.name, role=role) for org, role in await orgs.list_for(principal)]


@post("/orgs", operation_id="orgs.create", name="orgs.create", summary="Create an organization",
      opt={"key_scope": "admin"}, responses=problem_responses(409, body=True))
async def create_org(principal: Caller, orgs: Orgs, data: JSONBody[OrgCreate]) -> OrgInfo:
    """Create an organization; the caller becomes its owner."""
    org = await orgs.create(principal, data.slug, data.name)
    return OrgInfo(slug=org.slug, name=org.name, role="owner")


@get("/orgs/{slug:str}/members", operation_id="orgs.members", name="orgs.members",
     summary="List an organization's members", opt={"key_scope": "plan:read"}, responses=problem_responses(404))
async def list_org_members(principal: Caller, orgs: Orgs, slug: FromPath[str]) -> list[OrgMember]:
    """Members of one of the caller's organizations with their organization role, by email."""
    members = await orgs.members(principal, slug)
    return [OrgMember(email=user.email, name=user.name, role=role) for user, role in members]


router = Router(
    path="/", route_handlers=[list_orgs, create_org, list_org_members], tags=["organizations"],
    dependencies={"orgs": service(OrgService)},
)
