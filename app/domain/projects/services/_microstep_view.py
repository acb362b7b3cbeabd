"""One microstep of a project's current plan: its detail page, status changes and criteria checks."""

from __future__ import annotations

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import find_project
from app.domain.projects.services._plans import PlanService
from app.domain.projects.services._snapshot import current_snapshot, decode_heads
from app.domain.projects.services._views import ProjectView, project_view
from app.lib.errors import NotFound
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from buildrunner.spec.model import Microstep

__all__ = ["ItemRef", "MicrostepView", "MicrostepViewService"]


class ItemRef(msgspec.Struct, frozen=True, kw_only=True):
    """Another item of the plan, named by a dependency: ``kind`` is empty when the id is unknown."""

    id: str
    title: str = ""
    kind: str = ""
    status: str = ""


class MicrostepView(msgspec.Struct, frozen=True, kw_only=True):
    """A microstep with where it sits in the plan and what its dependencies are."""

    view: ProjectView
    revision: int
    milestone: ItemRef
    step: ItemRef
    microstep: Microstep
    dependencies: list[ItemRef]


class MicrostepViewService:
    """Reads and edits one microstep of the current plan; every edit is a new revision (see PlanService)."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.plans = PlanService(db)

    async def detail(self, actor: Principal, key: str, microstep_id: str, *, org: str | None = None) -> MicrostepView:
        """The microstep ``microstep_id`` of the current plan.

        Raises:
            NotFound: not the actor's project, no plan yet, or no such microstep.
        """
        reject_nul("key", key, org)
        reject_nul("microstep", microstep_id)
        project = await find_project(self.db, actor, key, org=org)
        snapshot = await current_snapshot(self.db, project)
        if snapshot is None:
            raise NotFound(_("%(key)s has no plan yet; upload a plan.json first") % {"key": project.key})
        return _detail(project_view(actor, project), project, snapshot, microstep_id)

    async def set_status(self, actor: Principal, key: str, microstep_id: str, status: str, *,
                         org: str | None = None) -> MicrostepView:
        """Change the status (see ``PlanService.set_status``) and return the microstep as it is now."""
        reject_nul("microstep", microstep_id)
        reject_nul("key", key, org)
        # Deny first: a Viewer's request is refused whatever it asks for.
        await find_project(self.db, actor, key, org=org, action=Action.CHANGE_STATUS)
        await self.plans.set_status(actor, key, microstep_id, status, org=org)
        return await self.detail(actor, key, microstep_id, org=org)

    async def check_criterion(self, actor: Principal, key: str, microstep_id: str, criterion_id: str, *,
                              met: bool, org: str | None = None) -> MicrostepView:
        """Mark a criterion met or unmet (see ``PlanService.check_criterion``) and return the microstep."""
        reject_nul("criterion", microstep_id, criterion_id)
        reject_nul("key", key, org)
        await self.plans.check_criterion(actor, key, microstep_id, criterion_id, met=met, org=org)
        return await self.detail(actor, key, microstep_id, org=org)


def _detail(view: ProjectView, project: ProjectAccess, snapshot: str, microstep_id: str) -> MicrostepView:
    index: dict[str, ItemRef] = {}
    parents: list[ItemRef] = []
    found: tuple[ItemRef, ItemRef, msgspec.Raw] | None = None
    for kind, item_id, title, head, raw in decode_heads(snapshot):
        ref = ItemRef(id=item_id, title=title, kind=kind, status=head.status if head else "")
        index.setdefault(item_id, ref)
        if kind != "microstep":
            del parents[(0 if kind == "milestone" else 1):]
            parents.append(ref)
        elif item_id == microstep_id and found is None and raw is not None:
            found = (parents[0], parents[1], raw)
    if found is None:
        raise NotFound(_("the plan of %(key)s has no microstep %(id)s")
                       % {"key": project.key, "id": repr(microstep_id)})
    milestone_ref, step_ref, raw = found
    micro = msgspec.json.decode(raw, type=Microstep)
    return MicrostepView(
        view=view, revision=project.current_revision, milestone=milestone_ref, step=step_ref, microstep=micro,
        dependencies=[index.get(dep, ItemRef(id=dep)) for dep in micro.depends_on],
    )
