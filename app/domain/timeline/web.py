"""The timeline page, ``/p/{key}/timeline``: the burn-up chart and the project's events, filtered and paged.

The filters are a GET form and the pager plain links, so the page works without JavaScript; htmx swaps only the
``events`` block (and pushes the URL). A bad filter shows the page again with the problem (422).
"""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from app.domain.projects.web._common import Caller, OrgQuery, urls_for
from app.domain.timeline.schemas import KINDS
from app.domain.timeline.services import TimelineQuery, TimelineService, TimelineView
from app.lib.i18n import gettext as _
from app.server.deps import service
from app.server.web import is_fragment_request, page

__all__ = ["kind_labels", "router", "timeline_page"]

TEMPLATE: Final = "timeline/index.html.j2"
Timeline = NamedDependency[TimelineService]
TextQuery = Annotated[str, QueryParameter(required=False)]
KindQuery = Annotated[list[str] | None, QueryParameter(required=False)]


def kind_labels() -> dict[str, str]:
    """Each kind of event in words, in the request's language."""
    return {"status": _("Status changes"), "revision": _("Revisions"), "sync": _("Syncs"), "comment": _("Comments"),
            "approval": _("Approvals"), "policy": _("Policy changes"), "conflict": _("Conflicts")}


class TimelineLinks:
    """The page's own URL with its filters, for the form, the pager and the "clear" link."""

    def __init__(self, shown: TimelineView, org: str | None) -> None:
        """Links of the page ``shown`` (keeping ``?org=`` when the request named it)."""
        self.path = f"/p/{quote(shown.view.project.key, safe='')}/timeline"
        self.org = shown.view.project.organization_slug if org else None
        self.params = shown.query.as_params()

    def __call__(self, *, before: int | None = None, filtered: bool = True) -> str:
        """The page with the current filters (``filtered=False``: none) and, given ``before``, older events."""
        pairs = [*([("org", self.org)] if self.org else []), *(self.params if filtered else []),
                 *([("before", str(before))] if before is not None else [])]
        return self.path + (f"?{urlencode(pairs)}" if pairs else "")


@get("/p/{key:str}/timeline", name="timeline.page", include_in_schema=False)
async def timeline_page(request: Request[Any, Any, Any], *, principal: Caller, timeline: Timeline,
                        key: FromPath[str], org: OrgQuery = None, actor: TextQuery = "", kind: KindQuery = None,
                        entity: TextQuery = "", since: TextQuery = "", until: TextQuery = "",
                        before: TextQuery = "") -> Response[Any]:
    """The burn-up and the events, newest first; htmx gets only the events block when the filters or page change."""
    query = TimelineQuery(actor=actor, kinds=tuple(kind or ()), entity=entity, since=since, until=until,
                          before=before)
    shown = await timeline.page(principal, key, query, org=org, with_burnup=not is_fragment_request(request))
    context = {"shown": shown, "view": shown.view, "links": TimelineLinks(shown, org), "kinds": KINDS,
               "kind_labels": kind_labels(), "urls": urls_for(shown.view, org)}
    return page(request, TEMPLATE, context, block="events", status_code=422 if shown.error else 200)


router = Router(path="/", route_handlers=[timeline_page], dependencies={"timeline": service(TimelineService)},
                include_in_schema=False)
