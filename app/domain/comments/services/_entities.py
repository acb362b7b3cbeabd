"""The plan items comments are about: a milestone, step or microstep of a project's current plan."""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanItem
from app.domain.comments.schemas import ENTITY_TYPES, EntityType
from app.domain.projects.schemas import ProjectAccess
from app.lib.errors import NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["EntityRef", "check_entity_type", "entity_label", "find_entity"]


class EntityRef(msgspec.Struct, frozen=True, kw_only=True):
    """A plan item of the current revision: ``parent_id`` is its milestone (for a step) or step (for a microstep)."""

    type: EntityType
    id: str
    title: str
    parent_id: str | None = None


def check_entity_type(entity_type: str) -> EntityType:
    """Validate an entity type.

    Raises:
        ValidationFailed: unless it is milestone, step or microstep.
    """
    for known in ENTITY_TYPES:
        if entity_type == known:
            return known
    raise ValidationFailed("entity_type", _("use one of %(choices)s") % {"choices": ", ".join(ENTITY_TYPES)})


def entity_label(entity_type: str) -> str:
    """An entity type in words, in the request's language."""
    return {"milestone": _("milestone"), "step": _("step"), "microstep": _("microstep")}.get(entity_type, entity_type)


async def find_entity(db: AsyncSession, project: ProjectAccess, entity_type: str, entity_id: str) -> EntityRef:
    """The item ``entity_id`` of kind ``entity_type`` in the project's current plan.

    Raises:
        ValidationFailed: an unknown entity type, or an id with NUL or over 200 characters.
        NotFound: the current plan of this project has no such item (another project's item included).
    """
    kind = check_entity_type(entity_type)
    reject_nul("entity_id", entity_id)
    if not entity_id or len(entity_id) > 200:
        raise ValidationFailed("entity_id", _("give the id of a milestone, step or microstep (1–200 characters)"))
    row = (await db.execute(
        select(PlanItem.title, PlanItem.parent_id)
        .where(PlanItem.project_id == project.id, PlanItem.item_id == entity_id, PlanItem.kind == kind)
    )).first()
    if row is None:
        raise NotFound(_("the plan of %(key)s has no %(kind)s %(id)s")
                       % {"key": project.key, "kind": entity_label(kind), "id": repr(entity_id)})
    return EntityRef(type=kind, id=entity_id, title=row.title, parent_id=row.parent_id)
