"""The plan tree page's query: the current snapshot, decoded slim, filtered, searched and paged in one pass.

Progress is counted over every microstep while only the matching microsteps of the requested page are kept:
a 10,000-microstep plan costs one row read, one msgspec decode that skips the fields the tree does not show
(cheaper than reading 10,000 ``plan_item`` rows through the ORM), and one linear pass; the page renders
at most ``PAGE_SIZE`` microsteps.
"""

from __future__ import annotations

from typing import Final

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.projects.services._access import find_project
from app.domain.projects.services._snapshot import SlimMicrostep, SlimMilestone, current_slim
from app.domain.projects.services._views import MicrostepRow, MilestoneNode, ProjectView, StepNode, project_view
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from buildrunner.spec.model import STATUSES
from buildrunner.spec.tree import Counts

__all__ = ["PAGE_SIZE", "PlanTree", "PlanTreeService", "TreeFilters"]

PAGE_SIZE: Final = 500
MAX_PAGE: Final = 100_000
MAX_QUERY: Final = 200


class TreeFilters(msgspec.Struct, frozen=True, kw_only=True):
    """What the plan tree shows: by status, owner, tag and a search in ids and titles; ``page`` counts from 1."""

    status: str = ""
    owner: str = ""
    tag: str = ""
    q: str = ""
    page: int = 1

    @property
    def active(self) -> bool:
        """Whether any filter or search narrows the tree."""
        return bool(self.status or self.owner or self.tag or self.q)

    def checked(self) -> TreeFilters:
        """These filters, trimmed and validated.

        Raises:
            ValidationFailed: an unknown status, a search over 200 characters or a page out of range.
        """
        reject_nul("owner", self.owner)
        reject_nul("tag", self.tag)
        reject_nul("q", self.q)
        if self.status and self.status not in STATUSES:
            raise ValidationFailed("status", _("filter by one of %(choices)s, or leave it empty")
                                   % {"choices": ", ".join(STATUSES)})
        if len(self.q) > MAX_QUERY:
            raise ValidationFailed("q", _("keep the search under %(count)s characters") % {"count": MAX_QUERY})
        if not 1 <= self.page <= MAX_PAGE:
            raise ValidationFailed("page", _("use a page number from 1 to %(count)s") % {"count": MAX_PAGE})
        return msgspec.structs.replace(self, owner=self.owner.strip(), tag=self.tag.strip(), q=self.q.strip())


class PlanTree(msgspec.Struct, kw_only=True):
    """The plan tree page: overall progress, the page's milestones, and what the filters can choose from."""

    view: ProjectView
    filters: TreeFilters
    counts: Counts
    milestones: list[MilestoneNode]
    matched: int
    pages: int
    owners: list[str]
    tags: list[str]


class PlanTreeService:
    """The current plan of a project as a filterable tree."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    async def tree(self, actor: Principal, key: str, filters: TreeFilters, *, org: str | None = None) -> PlanTree:
        """The tree of the project's current plan, narrowed by ``filters`` (see :class:`TreeFilters`).

        Raises:
            NotFound: not a project of the actor's organizations. ValidationFailed: bad filters.
        """
        filters = filters.checked()
        reject_nul("key", key, org)
        project = await find_project(self.db, actor, key, org=org)
        builder = _TreeBuilder(filters)
        for milestone in (await current_slim(self.db, project)).milestones:
            builder.milestone(milestone)
        return builder.result(project_view(actor, project))


class _TreeBuilder:
    """One pass over the plan: counts everything, keeps the matching microsteps of the requested page."""

    def __init__(self, filters: TreeFilters) -> None:
        self.filters = filters
        self.first, self.last = (filters.page - 1) * PAGE_SIZE, filters.page * PAGE_SIZE
        self.needle = filters.q.casefold()
        self.counts = Counts()
        self.shown: list[MilestoneNode] = []
        self.matched = 0
        self.owners: set[str] = set()
        self.tags: set[str] = set()

    def milestone(self, milestone: SlimMilestone) -> None:
        node = MilestoneNode(id=milestone.id, title=milestone.title)
        # An empty milestone or step shows (unfiltered) on the page of the microstep that follows it.
        here = self._here()
        for step in milestone.steps:
            step_node = StepNode(id=step.id, title=step.title)
            step_here = self._here()
            _add(self._step(step.microsteps, step_node), step_node.counts, node.counts, self.counts)
            if step_node.microsteps or (not step.microsteps and step_here):
                node.steps.append(step_node)
        if node.steps or (not milestone.steps and here):
            self.shown.append(node)

    def _here(self) -> bool:
        return not self.filters.active and self.first <= self.matched < self.last

    def _step(self, microsteps: list[SlimMicrostep], step: StepNode) -> dict[str, int]:
        # The hot loop of a 10,000-microstep page: plain locals, no call per microstep unless filtering.
        statuses: dict[str, int] = dict.fromkeys(STATUSES, 0)
        owners, tags, active = self.owners, self.tags, self.filters.active
        for micro in microsteps:
            status = micro.status if micro.status in statuses else "todo"
            statuses[status] += 1
            if micro.owner:
                owners.add(micro.owner)
            tags.update(micro.tags)
            if active and not self._matches(micro):
                continue
            if self.first <= self.matched < self.last:
                step.microsteps.append(MicrostepRow(
                    id=micro.id, title=micro.title, status=status, owner=micro.owner, tags=micro.tags,
                    criteria_met=sum(1 for c in micro.acceptance_criteria if c.met),
                    criteria_total=len(micro.acceptance_criteria),
                ))
            self.matched += 1
        return statuses

    def _matches(self, micro: SlimMicrostep) -> bool:
        f = self.filters
        return ((not f.status or micro.status == f.status) and (not f.owner or micro.owner == f.owner)
                and (not f.tag or f.tag in micro.tags)
                and (not self.needle or self.needle in micro.title.casefold() or self.needle in micro.id.casefold()))

    def result(self, view: ProjectView) -> PlanTree:
        pages = max(1, -(-self.matched // PAGE_SIZE))
        return PlanTree(view=view, filters=self.filters, counts=self.counts, milestones=self.shown,
                        matched=self.matched, pages=pages, owners=sorted(self.owners), tags=sorted(self.tags))


def _add(statuses: dict[str, int], *totals: Counts) -> None:
    count = sum(statuses.values())
    for counts in totals:
        counts.total += count
        for status, value in statuses.items():
            setattr(counts, status, getattr(counts, status) + value)
