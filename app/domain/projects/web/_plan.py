"""The plan tree (``/p/{key}``) with filters and search, and a microstep's page with its in-place forms."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery, QueryParameter

from app.domain.projects.services import TreeFilters
from app.domain.projects.services._microstep_view import MicrostepView
from app.domain.projects.web._common import (
    URL_ENCODED,
    Caller,
    Microsteps,
    OrgQuery,
    Trees,
    answer,
    parse_number,
    status_label,
    urls_for,
)
from app.domain.projects.web._conflicts import Conflicts
from app.lib.errors import PermissionDenied, PreconditionFailed, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import is_fragment_request, page
from buildrunner.spec.model import STATUSES

__all__ = ["change_status", "check_criterion", "microstep_page", "plan_tree"]

PLAN = "projects/plan.html.j2"
MICROSTEP = "projects/microstep.html.j2"


class StatusForm(msgspec.Struct):
    """The status form of a microstep."""

    status: str = ""


class CriterionForm(msgspec.Struct):
    """A criterion's checkbox: ``met`` is present (``true``) when checked, absent when not."""

    met: str = ""


@get("/p/{key:str}", name="projects.plan", include_in_schema=False)
async def plan_tree(
    request: Request[Any, Any, Any], *, principal: Caller, trees: Trees, conflicts: Conflicts, key: FromPath[str],
    org: OrgQuery = None, status: FromQuery[str] = "", owner: FromQuery[str] = "", tag: FromQuery[str] = "",
    q: FromQuery[str] = "",
    page_number: Annotated[str, QueryParameter(name="page", required=False)] = "1",
) -> Response[Any]:
    """The plan as milestones, steps and microsteps; htmx swaps only the tree when the filters change."""
    filters = TreeFilters(status=status, owner=owner, tag=tag, q=q, page=parse_number("page", page_number or "1"))
    tree = await trees.tree(principal, key, filters, org=org)
    context = {"tree": tree, "view": tree.view, "urls": urls_for(tree.view, org),
               "fragment": is_fragment_request(request),
               "open_conflicts": await conflicts.open_count(tree.view.project)}
    return page(request, PLAN, context, block="tree")


def _context(detail: MicrostepView, org: str | None, **extra: Any) -> dict[str, Any]:
    return {"detail": detail, "view": detail.view, "statuses": STATUSES, "micro": detail.microstep,
            "urls": urls_for(detail.view, org), "status_error": None, "criteria_error": None, "message": None, **extra}


@get("/p/{key:str}/m/{microstep_id:str}", name="projects.microstep", include_in_schema=False)
async def microstep_page(request: Request[Any, Any, Any], *, principal: Caller, microsteps: Microsteps,
                         key: FromPath[str], microstep_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """A microstep: its facts, criteria checkboxes and status form (for those who may change them)."""
    detail = await microsteps.detail(principal, key, microstep_id, org=org)
    return page(request, MICROSTEP, _context(detail, org), block="detail")


@post("/p/{key:str}/m/{microstep_id:str}/status", name="projects.microstep_status", include_in_schema=False)
async def change_status(request: Request[Any, Any, Any], *, principal: Caller, microsteps: Microsteps,
                        key: FromPath[str], microstep_id: FromPath[str], data: Annotated[StatusForm, URL_ENCODED],
                        org: OrgQuery = None) -> Response[Any]:
    """Change the status; a refusal (done with unmet criteria, a policy gate or approval) is shown next to the form."""
    try:
        detail = await microsteps.set_status(principal, key, microstep_id, data.status, org=org)
    except (ValidationFailed, PreconditionFailed, PermissionDenied) as exc:
        detail = await microsteps.detail(principal, key, microstep_id, org=org)
        return page(request, MICROSTEP, _context(detail, org, status_error=_message(exc)), block="status",
                    status_code=exc.status)
    message = _("Status of %(id)s changed to %(status)s.") % {"id": microstep_id, "status": status_label(data.status)}
    return answer(request, MICROSTEP, _context(detail, org), block="status",
                  location=urls_for(detail.view, org).microstep(microstep_id), message=message)


@post("/p/{key:str}/m/{microstep_id:str}/criteria/{criterion_id:str}", name="projects.microstep_criterion",
      include_in_schema=False)
async def check_criterion(request: Request[Any, Any, Any], *, principal: Caller, microsteps: Microsteps,
                          key: FromPath[str], microstep_id: FromPath[str], criterion_id: FromPath[str],
                          data: Annotated[CriterionForm, URL_ENCODED], org: OrgQuery = None) -> Response[Any]:
    """Mark a criterion met (box checked) or not met; a refusal is shown above the criteria."""
    met = data.met.strip().lower() in ("true", "on", "1", "yes")
    try:
        detail = await microsteps.check_criterion(principal, key, microstep_id, criterion_id, met=met, org=org)
    except (ValidationFailed, PreconditionFailed, PermissionDenied) as exc:
        detail = await microsteps.detail(principal, key, microstep_id, org=org)
        return page(request, MICROSTEP, _context(detail, org, criteria_error=_message(exc)), block="criteria",
                    status_code=exc.status)
    message = (_("Criterion %(id)s is met.") if met else _("Criterion %(id)s is not met.")) % {"id": criterion_id}
    return answer(request, MICROSTEP, _context(detail, org), block="criteria",
                  location=urls_for(detail.view, org).microstep(microstep_id), message=message)


def _message(exc: ValidationFailed | PreconditionFailed | PermissionDenied) -> str:
    return exc.detail if isinstance(exc, ValidationFailed) else exc.message
