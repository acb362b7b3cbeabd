"""Organization pages: yours and a form to create one; one organization with its members and projects.

Another organization's page answers 404 like a missing one (the service does not tell them apart).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.accounts.web import requires_session
from app.domain.accounts.web._support import FieldErrors, check_plain_text, field_errors, keep
from app.domain.orgs.services import ORG_ROLES, OrgService
from app.domain.projects.services import ProjectService
from app.lib.errors import Conflict, NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import page, redirect

__all__ = ["router"]

# A path segment that cannot be a slug is not looked up at all (PostgreSQL refuses NUL bytes in queries).
_SLUG_LIKE: Final = re.compile(r"[A-Za-z0-9-]{1,63}")


class OrgForm(msgspec.Struct):
    """A new organization."""

    slug: str = ""
    name: str = ""


class MemberForm(msgspec.Struct):
    """Add someone (by the email of their account) with a role, or change their role."""

    email: str = ""
    role: str = "member"


OrgBody = Annotated[OrgForm, Body(media_type=RequestEncodingType.URL_ENCODED)]
MemberBody = Annotated[MemberForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


def role_names() -> dict[str, str]:
    """Organization roles as people read them, in the current language."""
    return {"owner": _("Owner"), "admin": _("Admin"), "member": _("Member")}


async def _orgs_page(request: Request[Any, Any, Any], db: AsyncSession, principal: Principal, *,
                     form: OrgForm, errors: FieldErrors, status: int = 200) -> Response[Any]:
    context = {"orgs": await OrgService(db).list_for(principal), "form": form, "errors": errors,
               "role_names": role_names()}
    return page(request, "orgs/list.html.j2", context, block="org_list", status_code=status)


@get("/orgs", name="orgs.index")
async def orgs_page(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                    principal: NamedDependency[Principal]) -> Response[Any]:
    """Your organizations and the form to create one."""
    return await _orgs_page(request, db_session, principal, form=OrgForm(), errors={})


@post("/orgs", name="orgs.create_page")
async def org_create(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                     principal: NamedDependency[Principal], data: OrgBody) -> Response[Any]:
    """Create an organization with you as its owner, and go to it."""
    try:
        check_plain_text(data, "slug", "name")
        org = await OrgService(db_session).create(principal, data.slug, data.name)
    except (ValidationFailed, Conflict) as exc:
        kept = OrgForm(slug=keep(data.slug, 63), name=keep(data.name, 200))
        return await _orgs_page(request, db_session, principal, form=kept,
                                errors=field_errors(exc, "slug"), status=exc.status)
    return redirect(request, f"/orgs/{org.slug}", ("success", _("The organization %(name)s is created.") % {
        "name": org.name}))


def _slug(slug: str) -> str:
    if not _SLUG_LIKE.fullmatch(slug):
        raise NotFound(_("no organization %(slug)s among yours") % {"slug": slug[:63]})
    return slug


async def _org_page(request: Request[Any, Any, Any], db: AsyncSession, principal: Principal, slug: str, *,
                    form: MemberForm, errors: FieldErrors, status: int = 200) -> Response[Any]:
    orgs = OrgService(db)
    org = await orgs.get(principal, _slug(slug))
    context = {
        "org": org, "my_role": await orgs.role_of(principal.user_id, org.id), "form": form, "errors": errors,
        "members": await orgs.members(principal, slug), "role_names": role_names(),
        "roles": [(role, role_names()[role]) for role in ORG_ROLES],
        "projects": await ProjectService(db).list_for_org(principal, slug),
    }
    return page(request, "orgs/detail.html.j2", context, block="members", status_code=status)


@get("/orgs/{slug:str}", name="orgs.show")
async def org_page(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                   principal: NamedDependency[Principal], slug: FromPath[str]) -> Response[Any]:
    """One of your organizations: members with their roles, its projects, and (for admins) adding members."""
    return await _org_page(request, db_session, principal, slug, form=MemberForm(), errors={})


@post("/orgs/{slug:str}/members", name="orgs.add_member_page")
async def member_add(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                     principal: NamedDependency[Principal], slug: FromPath[str], data: MemberBody) -> Response[Any]:
    """Add a member or change a member's role (owners and admins); a problem shows the form again."""
    org = await OrgService(db_session).get(principal, _slug(slug))  # another organization: 404, not a form error
    try:
        check_plain_text(data, "email", "role")
        member = await OrgService(db_session).add_member(principal, org.slug, data.email, data.role)
    except (ValidationFailed, NotFound) as exc:
        kept = MemberForm(email=keep(data.email, 320), role=data.role if data.role in ORG_ROLES else "member")
        return await _org_page(request, db_session, principal, slug, form=kept,
                                    errors=field_errors(exc, "email"), status=422)
    message = _("%(email)s is now %(role)s.") % {"email": data.email.strip().lower(),
                                                "role": role_names().get(member.role, member.role)}
    return redirect(request, f"/orgs/{org.slug}", ("success", message))


router = Router(path="/", route_handlers=[orgs_page, org_create, org_page, member_add], guards=[requires_session],
                include_in_schema=False)
