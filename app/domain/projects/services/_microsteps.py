"""Microsteps: filtered listing from the materialized rows, detail from the snapshot, status and criteria edits."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanItem
from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import (
    CriterionView,
    MicrostepChange,
    MicrostepDetail,
    MicrostepFilter,
    MicrostepItem,
    MicrostepPage,
    RevisionInfo,
)
from app.domain.projects.services._access import find_project
from app.domain.projects.services._plans import PlanService
from app.lib.errors import NotFound
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from buildrunner.spec.document import decode_plan
from buildrunner.spec.model import Plan

__all__ = ["MicrostepService"]


class MicrostepService:
    """The microsteps of a project's current plan; every edit is a new plan revision."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.plans = PlanService(db)

    async def search(self, actor: Principal, key: str, filters: MicrostepFilter, *,
                     org: str | None = None) -> MicrostepPage:
        """The microsteps matching ``filters``, in plan order, one page at a time.

        Raises:
            NotFound: no such project among the actor's. ValidationFailed: a filter contains NUL.
        """
        for field in ("owner", "tag", "q"):
            reject_nul(field, getattr(filters, field))
        project = await find_project(self.db, actor, key, org=org)
        conditions = self._conditions(project.id, filters)
        total = await self.db.scalar(select(func.count()).select_from(PlanItem).where(*conditions))
        rows = await self.db.scalars(
            select(PlanItem).where(*conditions).order_by(PlanItem.position).limit(filters.limit).offset(filters.offset)
        )
        items = [
            MicrostepItem(id=row.item_id, title=row.title, status=row.status or "todo", owner=row.owner,
                          tags=list(row.tags), step_id=row.parent_id or "", criteria_met=row.criteria_met,
                          criteria_total=row.criteria_total)
            for row in rows
        ]
        return MicrostepPage(items=items, total=total or 0, limit=filters.limit, offset=filters.offset,
                             revision=project.current_revision)

    def _conditions(self, project_id: object, filters: MicrostepFilter) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = [PlanItem.project_id == project_id, PlanItem.kind == "microstep"]
        if filters.status is not None:
            conditions.append(PlanItem.status == filters.status)
        if filters.owner is not None:
            conditions.append(PlanItem.owner == filters.owner)
        if filters.tag is not None:
            conditions.append(self._has_tag(filters.tag))
        if filters.q:
            conditions.append(PlanItem.title.ilike(f"%{_escape_like(filters.q)}%", escape="\\"))
        return conditions

    def _has_tag(self, tag: str) -> ColumnElement[bool]:
        if self.db.get_bind().dialect.name == "postgresql":
            return type_coerce(PlanItem.tags, JSONB).contains([tag])
        each = func.json_each(PlanItem.tags).table_valued("value")
        return select(each.c.value).where(each.c.value == tag).exists()

    async def get(self, actor: Principal, key: str, microstep_id: str, *, org: str | None = None) -> MicrostepDetail:
        """One microstep of the current revision.

        Raises:
            NotFound: no such project, no plan yet, or no such microstep.
        """
        reject_nul("microstep", microstep_id)
        snapshot = await self.plans.get_plan(actor, key, org=org)
        return _detail(decode_plan(snapshot.content), microstep_id, snapshot.info.number)

    async def set_status(self, actor: Principal, key: str, microstep_id: str, status: str, *,
                         expected_revision: int | None = None, org: str | None = None) -> MicrostepChange:
        """Change a microstep's status (see :meth:`PlanService.set_status`) and return it with the revision."""
        reject_nul("microstep", microstep_id)
        revision = await self.plans.set_status(actor, key, microstep_id, status,
                                               expected_revision=expected_revision, org=org)
        return await self._changed(actor, key, microstep_id, revision, action=Action.CHANGE_STATUS, org=org)

    async def check(self, actor: Principal, key: str, microstep_id: str, criterion_id: str, *, met: bool,
                    expected_revision: int | None = None, org: str | None = None) -> MicrostepChange:
        """Mark a criterion met or unmet (see :meth:`PlanService.check_criterion`) and return the microstep."""
        reject_nul("microstep", microstep_id)
        reject_nul("criterion", criterion_id)
        revision = await self.plans.check_criterion(actor, key, microstep_id, criterion_id, met=met,
                                                    expected_revision=expected_revision, org=org)
        return await self._changed(actor, key, microstep_id, revision, action=Action.CHECK_CRITERIA, org=org)

    async def _changed(self, actor: Principal, key: str, microstep_id: str, revision: RevisionInfo, *, action: Action,
                       org: str | None) -> MicrostepChange:
        # The editor sees what they changed even with a write-only key: the check is the edit's, not VIEW_PLAN.
        project = await find_project(self.db, actor, key, org=org, action=action)
        snapshot = await self.plans.snapshot(project, revision.number)
        return MicrostepChange(microstep=_detail(decode_plan(snapshot.content), microstep_id, revision.number),
                               revision=revision)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _detail(plan: Plan, microstep_id: str, revision: int) -> MicrostepDetail:
    for milestone in plan.milestones:
        for step in milestone.steps:
            for micro in step.microsteps:
                if micro.id != microstep_id:
                    continue
                criteria = [CriterionView(id=c.id, text=c.text, met=c.met) for c in micro.acceptance_criteria]
                return MicrostepDetail(
                    id=micro.id, title=micro.title, status=micro.status, description=micro.description,
                    owner=micro.owner, estimate=micro.estimate, tags=list(micro.tags),
                    depends_on=list(micro.depends_on), acceptance_criteria=criteria, milestone_id=milestone.id,
                    step_id=step.id, revision=revision,
                )
    raise NotFound(_("the plan has no microstep %(id)s") % {"id": repr(microstep_id)})
