"""JSON API for teams: ``/orgs/{slug}/teams`` and their members."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.teams.schemas import TeamCreate, TeamInfo, TeamMemberAdd
from app.domain.teams.services import TeamService
from app.server.deps import service
from app.server.problems import problem_responses

__all__ = ["router"]

Caller = NamedDependency[Principal]
Teams = NamedDependency[TeamService]
EmailQuery = Annotated[str, QueryParameter(description="Email of the member to remove.")]


@get("/orgs/{slug:str}/teams", operation_id="teams.list", name="teams.list", summary="List an organization's teams",
     opt={"key_scope": "plan:read"}, responses=problem_responses(404))
async def list_teams(principal: Caller, teams: Teams, slug: FromPath[str]) -> list[TeamInfo]:
    """The organization's teams with their members, by slug."""
    return await teams.teams(principal, slug)


@post("/orgs/{slug:str}/teams", operation_id="teams.create", name="teams.create", summary="Create a team",
      opt={"key_scope": "admin"}, responses=problem_responses(404, 409, body=True))
async def create_team(principal: Caller, teams: Teams, slug: FromPath[str], data: JSONBody[TeamCreate]) -> TeamInfo:
    """Create a team in one of your organizations; you become its first member and may manage it."""
    return await teams.create(principal, slug, data.slug, data.name)


@put("/orgs/{slug:str}/teams/{team:str}/members", operation_id="teams.add_member", name="teams.add_member",
     summary="Add a member to a team", opt={"key_scope": "admin"}, responses=problem_responses(404, body=True))
async def add_team_member(principal: Caller, teams: Teams, slug: FromPath[str], team: FromPath[str],
                          data: JSONBody[TeamMemberAdd]) -> TeamInfo:
    """Add a member of the organization to the team (owners, admins and the team's creator)."""
    return await teams.add_member(principal, slug, team, data.email)


@delete("/orgs/{slug:str}/teams/{team:str}/members", operation_id="teams.remove_member", name="teams.remove_member",
        summary="Remove a member from a team", opt={"key_scope": "admin"}, status_code=200,
        responses=problem_responses(404))
async def remove_team_member(principal: Caller, teams: Teams, slug: FromPath[str], team: FromPath[str],
                             email: EmailQuery) -> TeamInfo:
    """Take someone out of the team (owners, admins and the team's creator)."""
    return await teams.remove_member(principal, slug, team, email)


@delete("/orgs/{slug:str}/teams/{team:str}", operation_id="teams.delete", name="teams.delete",
        summary="Delete a team", opt={"key_scope": "admin"}, responses=problem_responses(404))
async def delete_team(principal: Caller, teams: Teams, slug: FromPath[str], team: FromPath[str]) -> None:
    """Delete the team (owners, admins and the team's creator); answers 204."""
    await teams.delete(principal, slug, team)


router = Router(
    path="/", route_handlers=[list_teams, create_team, add_team_member, remove_team_member, delete_team],
    tags=["teams"], dependencies={"teams": service(TeamService)},
)
