"""The dashboard (``/``): projects of my organizations with progress; creating a project."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromQuery

from app.domain.accounts.schemas import Principal
from app.domain.projects.services import ProjectService
from app.domain.projects.web._common import URL_ENCODED, Caller, Projects, ProjectUrls, checked_form
from app.lib.errors import Conflict, NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.database import request_session
from app.server.web import page, redirect

__all__ = ["create_project", "dashboard", "new_project"]

NEW = "projects/new.html.j2"


class ProjectForm(msgspec.Struct):
    """The new-project form; missing fields arrive empty and get a message naming them."""

    org: str = ""
    key: str = ""
    name: str = ""
    description: str = ""


ProjectBody = Annotated[ProjectForm, URL_ENCODED]


@get("/", name="dashboard.show", include_in_schema=False)
async def dashboard(request: Request[Any, Any, Any]) -> Response[Any]:
    """Signed in: my projects with progress. Anonymous: a short landing page (so no ``projects`` dependency,
    which is for signed-in callers)."""
    principal = request.scope.get("user")
    summaries = await ProjectService(request_session(request)).list_visible(principal) \
        if isinstance(principal, Principal) else []
    keys = [summary.key for summary in summaries]
    links = {(s.organization, s.key): ProjectUrls(s.key, s.organization if keys.count(s.key) > 1 else None)()
             for s in summaries}
    return page(request, "dashboard.html.j2", {"projects": summaries, "links": links},
                block="projects" if isinstance(principal, Principal) else None)


@get("/projects/new", name="projects.new", include_in_schema=False)
async def new_project(request: Request[Any, Any, Any], *, principal: Caller, projects: Projects,
                      org: FromQuery[str] = "") -> Response[Any]:
    """The new-project form (organization, key, name, description)."""
    orgs = await projects.orgs.list_for(principal)
    return page(request, NEW, {"form": ProjectForm(org=org), "orgs": orgs, "error": None}, block="project_form")


@post("/projects/new", name="projects.create_page", include_in_schema=False)
async def create_project(request: Request[Any, Any, Any], *, principal: Caller, projects: Projects,
                         data: ProjectBody) -> Response[Any]:
    """Create the project and go to it; a problem shows the form again with the field marked."""
    try:
        checked_form(data)
        created = await projects.create(principal, data.org, data.key, data.name, data.description)
    except (ValidationFailed, Conflict, NotFound) as exc:
        error = _field_error(exc)
        orgs = await projects.orgs.list_for(principal)
        return page(request, NEW, {"form": data, "orgs": orgs, "error": error}, block="project_form",
                    status_code=409 if isinstance(exc, Conflict) else 422)
    location = ProjectUrls(created.key, created.organization_slug)()
    return redirect(request, location, ("success", _("Project %(key)s created.") % {"key": created.key}))


def _field_error(exc: ValidationFailed | Conflict | NotFound) -> dict[str, str]:
    if isinstance(exc, ValidationFailed):
        return {"field": exc.field if exc.field in ("org", "key", "name", "description") else "key",
                "message": exc.detail}
    return {"field": "key" if isinstance(exc, Conflict) else "org", "message": exc.message}
