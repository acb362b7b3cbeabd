"""The conflict log (``/p/{key}/conflicts``) and one entry's page: base, mine and theirs side by side, resolved by
keeping mine, keeping theirs or editing the value, one choice per conflict and one submit."""

from __future__ import annotations

import json
from typing import Any, Final

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from app.domain.projects.services import ConflictItem, ConflictPage, ConflictService, MergeConflicts
from app.domain.projects.web._common import Caller, OrgQuery, ProjectUrls, urls_for
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.server.deps import service
from app.server.web import page, redirect

__all__ = ["Conflicts", "conflict_dependencies", "conflict_page", "conflicts_page", "resolve_conflict"]

CONFLICTS: Final = "projects/conflicts.html.j2"
CONFLICT: Final = "projects/conflict.html.j2"

Conflicts = NamedDependency[ConflictService]


conflict_dependencies: Final = {"conflicts": service(ConflictService)}


@get("/p/{key:str}/conflicts", name="projects.conflicts", include_in_schema=False)
async def conflicts_page(request: Request[Any, Any, Any], *, principal: Caller, conflicts: Conflicts,
                         key: FromPath[str], org: OrgQuery = None, status: FromQuery[str] = "") -> Response[Any]:
    """Pushes that conflicted, open ones first; htmx swaps only the list when the status filter changes."""
    listing = await conflicts.listing(principal, key, status=status, org=org)
    context = {"listing": listing, "view": listing.view, "urls": urls_for(listing.view, org)}
    return page(request, CONFLICTS, context, block="entries")


@get("/p/{key:str}/conflicts/{conflict_id:str}", name="projects.conflict", include_in_schema=False)
async def conflict_page(request: Request[Any, Any, Any], *, principal: Caller, conflicts: Conflicts,
                        key: FromPath[str], conflict_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """An entry: each conflict's three versions, and the resolution form for those who may edit the plan."""
    shown = await conflicts.page(principal, key, conflict_id, org=org)
    return page(request, CONFLICT, _context(shown, org), block="resolve")


@post("/p/{key:str}/conflicts/{conflict_id:str}", name="projects.conflict_resolve", include_in_schema=False)
async def resolve_conflict(request: Request[Any, Any, Any], *, principal: Caller, conflicts: Conflicts,
                           key: FromPath[str], conflict_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """Resolve every conflict as chosen; a missing choice, bad JSON or a plan with problems shows the form again
    with the problem next to its conflict, and conflicts with newer changes show those."""
    form = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
    try:
        resolved = await conflicts.resolve_form(principal, key, conflict_id, form, org=org)
    except (ValidationFailed, MergeConflicts) as exc:
        shown = await conflicts.page(principal, key, conflict_id, org=org)
        kept = form if isinstance(exc, ValidationFailed) else {}  # new conflicts: choose afresh
        return page(request, CONFLICT, _context(shown, org, exc, kept), block="resolve", status_code=exc.status)
    message = _("Conflicts resolved: revision %(number)d saved.") % {"number": resolved.revision.number}
    return redirect(request, ProjectUrls(key.strip().upper(), org)("/conflicts"), ("success", message))


def _context(shown: ConflictPage, org: str | None, exc: ValidationFailed | MergeConflicts | None = None,
             form: dict[str, str] | None = None) -> dict[str, Any]:
    form = form or {}
    problems: dict[str, dict[str, str]] = {}
    error, findings = None, []
    if isinstance(exc, ValidationFailed):
        for item in exc.errors:
            if "conflict" in item:
                problems[str(item["conflict"])] = {"field": str(item["field"]), "message": str(item["message"])}
            else:
                findings.append(item)
        error = exc.detail
    elif exc is not None:
        error = exc.message
    rows = [_row(item, form, problems.get(item.id)) for item in shown.detail.conflicts]
    return {"shown": shown, "view": shown.view, "detail": shown.detail, "urls": urls_for(shown.view, org),
            "rows": rows, "error": error, "findings": findings}


def _row(item: ConflictItem, form: dict[str, str], problem: dict[str, str] | None) -> dict[str, Any]:
    kinds = {"field": _("Changed two ways"), "edit-delete": _("Edited on one side, deleted on the other"),
             "move": _("Moved to different places")}
    return {"item": item, "kind": kinds.get(item.kind, item.kind), "base": _pretty(item.base),
            "local": _pretty(item.local), "remote": _pretty(item.remote), "choice": form.get(f"choice-{item.id}", ""),
            "edit": form.get(f"value-{item.id}", _pretty(item.local) or "null"), "problem": problem}


def _pretty(value: Any) -> str:
    """A value as indented JSON; "" for no value (the side has none, e.g. it deleted the item)."""
    return "" if value is None else json.dumps(value, indent=2, ensure_ascii=False)
