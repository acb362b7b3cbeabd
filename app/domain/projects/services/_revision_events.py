"""What a new plan revision puts in the audit ledger: the revision, and each microstep whose status changed.

Project events are targeted ``<org>/<KEY>/...`` (``revisions/<n>``, ``microsteps/<id>``), the form every domain
uses for a project's entries, so the project timeline finds them by prefix.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.audit.services import AuditEvent, actor_label, record_many
from app.domain.projects.schemas import ProjectAccess
from buildrunner.spec.model import Plan

__all__ = ["record_revision", "status_changes"]

MAX_STATUS_EVENTS: Final = 200  # per revision; a bulk upload past it is summarized in the revision's entry


def status_changes(old: Any, new: Plan) -> dict[str, tuple[str, str]]:
    """``{microstep id: (old status, new status)}`` between a revision's JSON tree and the typed next one.

    A new microstep counts as coming from ``todo`` (so a new ``todo`` microstep is no change).
    """
    before = {micro.get("id"): micro.get("status", "todo")
              for milestone in old.get("milestones", []) if isinstance(milestone, dict)
              for step in milestone.get("steps", []) if isinstance(step, dict)
              for micro in step.get("microsteps", []) if isinstance(micro, dict)} if isinstance(old, dict) else {}
    return {micro.id: (before.get(micro.id, "todo"), micro.status)
            for milestone in new.milestones for step in milestone.steps for micro in step.microsteps
            if micro.status != before.get(micro.id, "todo")}


async def record_revision(db: AsyncSession, actor: Principal, project: ProjectAccess, number: int, *, message: str,
                          old: Any, new: Plan, via: str | None = None) -> None:
    """Append the revision and its status changes to the ledger, in the caller's transaction (``via``: how the
    revision came, e.g. ``"sync"``, kept in the revision's payload when given)."""
    prefix = f"{project.organization_slug}/{project.key}"
    changes = status_changes(old, new) if old is not None else {}
    listed = list(changes.items())[:MAX_STATUS_EVENTS]
    label = actor_label(actor)
    events = [AuditEvent(actor=label, action="plan.revision",
                         target=f"{prefix}/revisions/{number}", org_id=project.organization_id,
                         payload={"revision": number, "message": message, "status_changes": len(changes),
                                  "first_revision": old is None, **({"via": via} if via else {})})]
    events += [AuditEvent(actor=label, action="plan.status_change", target=f"{prefix}/microsteps/{item}",
                          org_id=project.organization_id,
                          payload={"revision": number, "from": before, "to": after})
               for item, (before, after) in listed]
    await record_many(db, events)
