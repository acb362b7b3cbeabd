"""Revision history (``/p/{key}/history``) and the diff between any two revisions (``/p/{key}/diff``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.params import FromPath, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.projects.services import HistoryService
from app.domain.projects.web._common import Caller, History, OrgQuery, parse_number, urls_for
from app.lib.errors import NotFound, ValidationFailed
from app.server.web import page

__all__ = ["history_page", "revision_diff"]

DIFF = "projects/diff.html.j2"
FromRevision = Annotated[str, QueryParameter(name="from", required=False)]
ToRevision = Annotated[str, QueryParameter(name="to", required=False)]


@get("/p/{key:str}/history", name="projects.history", include_in_schema=False)
async def history_page(request: Request[Any, Any, Any], *, principal: Caller, history: History,
                       key: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """The revisions, newest first, and a form to compare any two."""
    listing = await history.history(principal, key, org=org)
    context = {"listing": listing, "view": listing.view, "urls": urls_for(listing.view, org)}
    return page(request, "projects/history.html.j2", context, block="revisions")


@get("/p/{key:str}/diff", name="projects.diff", include_in_schema=False)
async def revision_diff(request: Request[Any, Any, Any], *, principal: Caller, history: History,
                        key: FromPath[str], org: OrgQuery = None, from_: FromRevision = "",
                        to: ToRevision = "") -> Response[Any]:
    """What changed between revisions ``from`` and ``to``; bad numbers show the picker with the problem."""
    try:
        change = await history.diff(principal, key, parse_number("from", from_), parse_number("to", to), org=org)
    except (ValidationFailed, NotFound) as exc:
        return await _bad_pick(request, principal=principal, history=history, key=key, org=org, exc=exc,
                                   picked={"from": from_, "to": to})
    context = {"change": change, "view": change.view, "urls": urls_for(change.view, org), "error": None,
               "picked": {"from": str(change.old.number), "to": str(change.new.number)}}
    return page(request, DIFF, context, block="diff")


async def _bad_pick(request: Request[Any, Any, Any], *, principal: Principal, history: HistoryService, key: str,
                    org: str | None, exc: ValidationFailed | NotFound, picked: dict[str, str]) -> Response[Any]:
    # The project itself must exist: if it does not, this raises NotFound and the error page answers.
    listing = await history.history(principal, key, org=org)
    error = ({"field": exc.field, "message": exc.detail} if isinstance(exc, ValidationFailed)
             else {"field": "from", "message": exc.message})
    context = {"change": None, "listing": listing, "view": listing.view, "urls": urls_for(listing.view, org),
               "error": error, "picked": picked}
    return page(request, DIFF, context, block="diff", status_code=400 if isinstance(exc, ValidationFailed) else 404)
