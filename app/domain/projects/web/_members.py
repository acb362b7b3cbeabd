"""Members of a project (``/p/{key}/members``): everyone sees the list; a PM sets roles by email."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from app.domain.projects.permissions import PROJECT_ROLES
from app.domain.projects.web._common import URL_ENCODED, Caller, Members, OrgQuery, ProjectUrls, urls_for
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import page, redirect

__all__ = ["members_page", "set_member_role"]

MEMBERS = "projects/members.html.j2"


class MemberForm(msgspec.Struct):
    """Give a person of the organization a role in the project."""

    email: str = ""
    role: str = ""


@get("/p/{key:str}/members", name="projects.members", include_in_schema=False)
async def members_page(request: Request[Any, Any, Any], *, principal: Caller, members: Members,
                       key: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """The members and their roles, with the role form for a PM."""
    roster = await members.roster(principal, key, org=org)
    context = {"roster": roster, "view": roster.view, "urls": urls_for(roster.view, org), "roles": PROJECT_ROLES,
               "form": MemberForm(role="Contributor"), "error": None}
    return page(request, MEMBERS, context, block="members")


@post("/p/{key:str}/members", name="projects.set_member", include_in_schema=False)
async def set_member_role(request: Request[Any, Any, Any], *, principal: Caller, members: Members,
                          key: FromPath[str], data: Annotated[MemberForm, URL_ENCODED],
                          org: OrgQuery = None) -> Response[Any]:
    """Set the role; a problem (unknown person or role) shows the form again with the field marked."""
    try:
        await members.set_role(principal, key, data.email, data.role, org=org)
    except ValidationFailed as exc:
        roster = await members.roster(principal, key, org=org)
        context = {"roster": roster, "view": roster.view, "urls": urls_for(roster.view, org),
                   "roles": PROJECT_ROLES, "form": data, "error": {"field": exc.field, "message": exc.detail}}
        return page(request, MEMBERS, context, block="members", status_code=422)
    message = _("%(email)s is now %(role)s.") % {"email": data.email.strip(), "role": data.role}
    return redirect(request, ProjectUrls(key.strip().upper(), org)("/members"), ("success", message))
