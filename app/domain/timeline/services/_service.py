"""``TimelineService``: a project's events and burn-up, for those who may view its plan."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanItem, PlanRevision, User
from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import find_project
from app.domain.projects.services._views import ProjectView, project_view
from app.domain.timeline.schemas import Burnup, BurnupPoint, TimelineFilters, TimelinePage
from app.domain.timeline.services._burnup import MAX_POINTS, BurnupChart, burnup_chart, downsample
from app.domain.timeline.services._describe import LedgerRow, Links, describe, item_ids
from app.domain.timeline.services._filters import TimelineQuery, check_filters
from app.domain.timeline.services._query import project_prefix, timeline_query
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["TimelineError", "TimelineService", "TimelineView"]

_KEY_MARK = " [key "
_AS_MARK = " as "  # "admin@… as user@…": a GlobalAdmin acting as someone


class TimelineError(msgspec.Struct, frozen=True, kw_only=True):
    """A filter the page could not use: the parameter and what is wrong with it."""

    field: str
    message: str


class TimelineView(msgspec.Struct, frozen=True, kw_only=True):
    """The timeline page: the project, the filters as typed, a page of events (empty when a filter is bad, then
    ``error`` says why), and the burn-up (``None`` when not asked for, e.g. when only the list is swapped)."""

    view: ProjectView
    query: TimelineQuery
    page: TimelinePage
    error: TimelineError | None = None
    burnup: Burnup | None = None
    chart: BurnupChart | None = None


class TimelineService:
    """Reads the ledger entries of one project at a time; viewing the plan is enough (``view plan``)."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    async def events(self, actor: Principal, key: str, query: TimelineQuery, *,
                     org: str | None = None) -> TimelinePage:
        """The project's events matching ``query``, newest first.

        Raises:
            NotFound: no such project among the actor's organizations. PermissionDenied: the key lacks plan:read.
            ValidationFailed: a bad filter, naming it.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.VIEW_PLAN)
        return await self._page(project, check_filters(query), org)

    async def burnup(self, actor: Principal, key: str, *, points: int = MAX_POINTS,
                     org: str | None = None) -> Burnup:
        """Microsteps done and in all after each revision, oldest first, at most ``points`` of them.

        Raises:
            NotFound: no such project. ValidationFailed: ``points`` is not 2 to 1,000.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.VIEW_PLAN)
        if not 2 <= points <= 1000:
            raise ValidationFailed("points", _("ask for 2 to %(max)d points") % {"max": 1000})
        return await self._burnup(project, points)

    async def page(self, actor: Principal, key: str, query: TimelineQuery, *, org: str | None = None,
                   with_burnup: bool = True) -> TimelineView:
        """The timeline page; a bad filter shows the page with the problem instead of raising.

        Raises:
            NotFound: no such project. PermissionDenied: not allowed to view it.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.VIEW_PLAN)
        error = None
        try:
            listing = await self._page(project, check_filters(query), org)
        except ValidationFailed as exc:
            error = TimelineError(field=exc.field, message=exc.detail)
            listing = TimelinePage(events=[], next_before=None)
        burnup = await self._burnup(project, MAX_POINTS) if with_burnup else None
        return TimelineView(view=project_view(actor, project), query=query, page=listing, error=error,
                            burnup=burnup, chart=burnup_chart(burnup.points) if burnup is not None else None)

    async def _page(self, project: ProjectAccess, filters: TimelineFilters, org: str | None) -> TimelinePage:
        entries = (await self.db.scalars(timeline_query(project, filters))).all()
        rows = [LedgerRow(seq=entry.seq, created_at=entry.created_at, actor=entry.actor, action=entry.action,
                          target=entry.target, payload=entry.payload) for entry in entries[:filters.limit]]
        prefix = project_prefix(project)
        names = await self._names(row.actor for row in rows)
        titles = await self._titles(project, item_ids([row.target for row in rows], prefix))
        links = Links(project.key, project.organization_slug if org else None)
        events = [event for row in rows if (event := describe(row, prefix=prefix, links=links,
                                                              actor_name=names.get(row.actor, row.actor),
                                                              titles=titles)) is not None]
        more = len(entries) > filters.limit
        return TimelinePage(events=events, next_before=rows[-1].seq if more and rows else None)

    async def _names(self, labels: Iterable[str]) -> dict[str, str]:
        """How each actor label is shown: the person's name (or email), "(API key)" for a key, "(by Admin)" for a
        GlobalAdmin acting as them, the operator."""
        labels = set(labels)
        emails = {email for label in labels for email in label.partition(_KEY_MARK)[0].split(_AS_MARK)}
        rows = await self.db.execute(select(User.email, User.name).where(User.email.in_(sorted(emails))))
        found = {email: name for email, name in rows}
        names: dict[str, str] = {}
        for label in labels:
            email, keyed, _rest = label.partition(_KEY_MARK)
            admin, acting, email = email.rpartition(_AS_MARK)
            if label == "system":
                names[label] = _("The operator")  # sentences start with who acted
                continue
            name = found.get(email) or email
            if acting:
                name = _("%(name)s (by %(admin)s)") % {"name": name, "admin": found.get(admin) or admin}
            names[label] = _("%(name)s (API key)") % {"name": name} if keyed else name
        return names

    async def _titles(self, project: ProjectAccess, ids: set[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = await self.db.execute(select(PlanItem.item_id, PlanItem.title).where(
            PlanItem.project_id == project.id, PlanItem.item_id.in_(sorted(ids))))
        return {item_id: title for item_id, title in rows}

    async def _burnup(self, project: ProjectAccess, limit: int) -> Burnup:
        rows = await self.db.execute(
            select(PlanRevision.number, PlanRevision.created_at, PlanRevision.done_count, PlanRevision.total_count)
            .where(PlanRevision.project_id == project.id).order_by(PlanRevision.number))
        points = [BurnupPoint(revision=number, created_at=created, done=done, total=total)
                  for number, created, done, total in rows]
        kept = downsample(points, limit)
        return Burnup(points=kept, revisions=len(points), downsampled=len(kept) < len(points))
