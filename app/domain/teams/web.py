"""The teams page of an organization (``/orgs/{slug}/teams``): list, create, add and remove members, delete."""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath

from app.domain.accounts.schemas import Principal
from app.domain.accounts.web import requires_session
from app.domain.accounts.web._support import check_plain_text, keep
from app.domain.orgs.services import OrgService
from app.domain.teams.services import TeamService
from app.lib.errors import Conflict, NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.deps import service
from app.server.web import page, redirect

__all__ = ["router"]

TEAMS: Final = "teams/list.html.j2"
Caller = NamedDependency[Principal]
Teams = NamedDependency[TeamService]
Orgs = NamedDependency[OrgService]


class TeamForm(msgspec.Struct):
    """A new team."""

    slug: str = ""
    name: str = ""


class MemberForm(msgspec.Struct):
    """Someone to add to or remove from a team, by email."""

    email: str = ""


TeamBody = Annotated[TeamForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
MemberBody = Annotated[MemberForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _page(request: Request[Any, Any, Any], principal: Principal, teams: TeamService, orgs: OrgService,
                slug: str, *, form: TeamForm | None = None, error: dict[str, str] | None = None,
                status: int = 200) -> Response[Any]:
    org = await orgs.get(principal, slug)
    context = {"org": org, "teams": await teams.teams(principal, org.slug), "form": form or TeamForm(),
               "error": error}
    return page(request, TEAMS, context, block="teams", status_code=status)


@get("/orgs/{slug:str}/teams", name="teams.index")
async def teams_page(request: Request[Any, Any, Any], *, principal: Caller, teams: Teams, orgs: Orgs,
                     slug: FromPath[str]) -> Response[Any]:
    """The organization's teams and their members, the form to create one and, for those who may, to change them."""
    return await _page(request, principal, teams, orgs, slug)


@post("/orgs/{slug:str}/teams", name="teams.create_page")
async def create_team(request: Request[Any, Any, Any], *, principal: Caller, teams: Teams, orgs: Orgs,
                      slug: FromPath[str], data: TeamBody) -> Response[Any]:
    """Create a team with you in it; a problem shows the form again."""
    org = await orgs.get(principal, slug)
    try:
        check_plain_text(data, "slug", "name")
        team = await teams.create(principal, org.slug, data.slug, data.name)
    except (ValidationFailed, Conflict) as exc:
        field = exc.field if isinstance(exc, ValidationFailed) else "slug"
        message = exc.detail if isinstance(exc, ValidationFailed) else exc.message
        return await _page(request, principal, teams, orgs, slug, status=exc.status,
                           form=TeamForm(slug=keep(data.slug, 63), name=keep(data.name, 200)),
                           error={"field": field, "message": message, "team": ""})
    return redirect(request, f"/orgs/{org.slug}/teams#team-{team.slug}",
                    ("success", _("The team %(name)s is created.") % {"name": team.name}))


@post("/orgs/{slug:str}/teams/{team:str}/members", name="teams.add_member_page")
async def add_member(request: Request[Any, Any, Any], *, principal: Caller, teams: Teams, orgs: Orgs,
                     slug: FromPath[str], team: FromPath[str], data: MemberBody) -> Response[Any]:
    """Add a member of the organization to the team; a problem is shown next to that team's form."""
    org = await orgs.get(principal, slug)
    await teams.get(principal, org.slug, team)  # an unknown team is a 404 page, not a form error
    try:
        check_plain_text(data, "email")
        changed = await teams.add_member(principal, org.slug, team, data.email)
    except (ValidationFailed, NotFound) as exc:
        message = exc.detail if isinstance(exc, ValidationFailed) else exc.message
        return await _page(request, principal, teams, orgs, slug, status=422,
                           error={"field": "email", "message": message, "team": team})
    return redirect(request, f"/orgs/{org.slug}/teams#team-{changed.slug}", ("success", _(
        "%(email)s is in the team %(team)s.") % {"email": data.email.strip().lower(), "team": changed.name}))


@post("/orgs/{slug:str}/teams/{team:str}/members/remove", name="teams.remove_member_page")
async def remove_member(request: Request[Any, Any, Any], *, principal: Caller, teams: Teams, slug: FromPath[str],
                        team: FromPath[str], data: MemberBody) -> Response[Any]:
    """Take someone out of the team."""
    changed = await teams.remove_member(principal, slug, team, data.email)
    return redirect(request, f"/orgs/{slug.strip().lower()}/teams#team-{changed.slug}", ("success", _(
        "%(email)s left the team %(team)s.") % {"email": data.email.strip().lower(), "team": changed.name}))


@post("/orgs/{slug:str}/teams/{team:str}/delete", name="teams.delete_page")
async def delete_team(request: Request[Any, Any, Any], *, principal: Caller, teams: Teams, slug: FromPath[str],
                      team: FromPath[str]) -> Response[Any]:
    """Delete the team."""
    await teams.delete(principal, slug, team)
    return redirect(request, f"/orgs/{slug.strip().lower()}/teams",
                    ("success", _("The team %(team)s is deleted.") % {"team": team.strip().lower()}))


router = Router(
    path="/", route_handlers=[teams_page, create_team, add_member, remove_member, delete_team],
    dependencies={"teams": service(TeamService), "orgs": service(OrgService)}, guards=[requires_session],
    include_in_schema=False,
)
