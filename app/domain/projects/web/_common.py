"""What the project pages share: dependencies, typed forms, links that keep ``?org=``, and answering a POST."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode

import msgspec
from litestar import Request, Response
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.projects.services import (
    HistoryService,
    MemberService,
    MicrostepViewService,
    PlanTreeService,
    PlanUploadService,
    ProjectService,
)
from app.domain.projects.services._views import ProjectView
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from app.server.deps import service
from app.server.web import is_fragment_request, page, redirect

__all__ = [
    "URL_ENCODED",
    "Caller",
    "History",
    "Members",
    "Microsteps",
    "OrgQuery",
    "ProjectUrls",
    "Projects",
    "Trees",
    "Uploads",
    "answer",
    "checked_form",
    "dependencies",
    "parse_number",
    "status_label",
    "urls_for",
]

_MAX_DIGITS: Final = 9

Caller = NamedDependency[Principal]
Projects = NamedDependency[ProjectService]
Trees = NamedDependency[PlanTreeService]
Microsteps = NamedDependency[MicrostepViewService]
History = NamedDependency[HistoryService]
Members = NamedDependency[MemberService]
Uploads = NamedDependency[PlanUploadService]
OrgQuery = Annotated[str | None, QueryParameter(name="org", required=False)]


URL_ENCODED: Final = Body(media_type=RequestEncodingType.URL_ENCODED)


def dependencies() -> dict[str, Provide]:
    """The page services, on the request's database session."""
    return {"trees": service(PlanTreeService), "microsteps": service(MicrostepViewService),
            "history": service(HistoryService), "members": service(MemberService),
            "uploads": service(PlanUploadService)}


class ProjectUrls:
    """Links inside one project; they carry ``?org=`` when the page was opened with it."""

    def __init__(self, key: str, org: str | None) -> None:
        """Links for project ``key`` (of organization ``org``, when it must be named)."""
        self.base = f"/p/{quote(key, safe='')}"
        self.org = org

    def __call__(self, suffix: str = "", **params: Any) -> str:
        """The URL of a project page (``suffix`` like ``/history``) with query ``params`` (empty ones dropped)."""
        query = {"org": self.org, **params}
        kept = {name: value for name, value in query.items() if value not in (None, "")}
        return f"{self.base}{suffix}" + (f"?{urlencode(kept)}" if kept else "")

    def microstep(self, microstep_id: str, suffix: str = "") -> str:
        """The URL of a microstep's page (or of one of its forms)."""
        return self(f"/m/{quote(microstep_id, safe='')}{suffix}")

    def criterion(self, microstep_id: str, criterion_id: str) -> str:
        """Where a criterion's checkbox posts."""
        return self.microstep(microstep_id, f"/criteria/{quote(criterion_id, safe='')}")


def urls_for(view: ProjectView, org: str | None) -> ProjectUrls:
    """Links for a project page: ``?org=`` is kept only when the request named it."""
    return ProjectUrls(view.project.key, view.project.organization_slug if org else None)


def parse_number(field: str, value: str, *, low: int = 1) -> int:
    """A whole number typed in a query or a form.

    Raises:
        ValidationFailed: naming ``field`` unless ``value`` is digits for a number from ``low`` to 999,999,999.
    """
    cleaned = value.strip()
    if not cleaned.isascii() or not cleaned.isdigit() or len(cleaned) > _MAX_DIGITS or int(cleaned) < low:
        raise ValidationFailed(field, _("use a whole number from %(low)d to %(high)d")
                               % {"low": low, "high": 10**_MAX_DIGITS - 1})
    return int(cleaned)


def status_label(status: str) -> str:
    """A status in words, in the request's language (the templates' ``status_label`` macro says the same)."""
    labels = {"todo": _("To do"), "in_progress": _("In progress"), "blocked": _("Blocked"), "review": _("In review"),
              "done": _("Done")}
    return labels.get(status, status)


def checked_form(form: msgspec.Struct) -> None:
    """Refuse a form any of whose text fields holds NUL, naming the field.

    Raises:
        ValidationFailed: for the first such field.
    """
    for name in form.__struct_fields__:
        value = getattr(form, name)
        if isinstance(value, str):
            reject_nul(name, value)


def answer(request: Request[Any, Any, Any], template: str, context: dict[str, Any], *, block: str, location: str,
           message: str) -> Response[Any]:
    """A successful form post: htmx gets the updated ``block`` (with ``message``), a browser a 303 and a flash."""
    if is_fragment_request(request):
        return page(request, template, {**context, "message": message}, block=block)
    return redirect(request, location, ("success", message))
