"""The conflict log: pushes that did not merge, listed, shown side by side, and resolved into a new revision.

An entry keeps what is needed to replay its merge: the base revision, the pushed (local) plan and the head
revision it met. Revisions never change, so resolving replays the merge, applies one resolution per conflict with
``buildrunner.merge.resolve`` and, when the plan has moved on since, merges the result with the new head.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from uuid import UUID

import msgspec
from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from app.db.models import PlanConflict, User
from app.domain.accounts.schemas import Principal
from app.domain.audit.services import record
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import find_project
from app.domain.projects.services._conflict_values import (
    CONFLICT_STATUSES,
    ConflictDetail,
    ConflictItem,
    ConflictListing,
    ConflictPage,
    ConflictResolved,
    ConflictSummary,
    MergeConflicts,
    Resolution,
    conflict_items,
    resolutions_from_form,
)
from app.domain.projects.services._plans import PlanService
from app.domain.projects.services._views import project_view
from app.lib import clock
from app.lib.errors import Conflict, NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.i18n import ngettext
from app.lib.text import reject_nul
from buildrunner import merge
from buildrunner.spec.document import encode_plan

__all__ = ["MAX_LISTED", "ConflictService"]

MAX_LISTED: Final = 500
_Author = aliased(User)
_Resolver = aliased(User)


class ConflictService:
    """Logs conflicting pushes and resolves them; viewing needs ``view plan``, resolving ``edit plan``."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.plans = PlanService(db)

    async def log(self, actor: Principal, project: ProjectAccess, *, base: int, head: int, local: bytes,
                  conflicts: list[merge.Conflict], message: str) -> MergeConflicts:
        """Keep a push that conflicted (committed at once) and return the error that reports it."""
        items = conflict_items(conflicts)
        entry = PlanConflict(project_id=project.id, base_revision=base, head_revision=head,
                             local_plan=local.decode("utf-8"), conflicts=msgspec.to_builtins(items),
                             message=message.strip()[:500], author_id=None if actor.is_system else actor.user_id)
        self.db.add(entry)
        await self.db.flush()  # the entry's id names it in the ledger
        await record(self.db, actor, "conflict.logged", target=_ledger_target(project, entry.id),
                     payload={"base": base, "head": head, "conflicts": len(items)}, org_id=project.organization_id)
        await self.db.commit()
        return _conflicts_error(items, entry.id, head)

    async def settle_seen(self, actor: Principal, project: ProjectAccess, *, seen: int, number: int) -> None:
        """Close the caller's open entries that a push made from revision ``seen`` settles (in its transaction).

        A client that hit a conflict, pulled, settled it locally (``br resolve``) and pushed again from a revision
        at least as new as the one it conflicted with has resolved the entry with that push: revision ``number``.
        """
        if actor.is_system:
            return
        entries = await self.db.scalars(select(PlanConflict).where(
            PlanConflict.project_id == project.id, PlanConflict.status == "open",
            PlanConflict.author_id == actor.user_id, PlanConflict.head_revision <= seen))
        for entry in entries:
            entry.status, entry.resolved_revision, entry.resolved_at = "resolved", number, clock.now()
            entry.resolved_by_id = actor.user_id
            await record(self.db, actor, "conflict.resolved", target=_ledger_target(project, entry.id),
                         payload={"revision": number, "by_push": True}, org_id=project.organization_id)

    async def entries(self, actor: Principal, key: str, *, status: str | None = None, limit: int = 100,
                   org: str | None = None) -> list[ConflictSummary]:
        """The project's entries, open ones first, newest first within each status.

        Raises:
            ValidationFailed: ``status`` is not ``open`` or ``resolved``.
        """
        project = await find_project(self.db, actor, key, org=org)
        return await self._summaries(project, _status(status), min(max(limit, 1), MAX_LISTED))

    async def listing(self, actor: Principal, key: str, *, status: str = "", org: str | None = None,
                      ) -> ConflictListing:
        """The conflicts page of a project."""
        reject_nul("key", key, org)
        project = await find_project(self.db, actor, key, org=org)
        items = await self._summaries(project, _status(status or None), MAX_LISTED)
        return ConflictListing(view=project_view(actor, project), items=items, status=status)

    async def get(self, actor: Principal, key: str, conflict_id: str, *, org: str | None = None) -> ConflictDetail:
        """One entry with its conflicts.

        Raises:
            NotFound: no such entry in this project (another organization's included).
        """
        project = await find_project(self.db, actor, key, org=org)
        return await self._detail(project, await self._entry(project, conflict_id))

    async def page(self, actor: Principal, key: str, conflict_id: str, *, org: str | None = None) -> ConflictPage:
        """One entry's page, with what the caller may do."""
        reject_nul("key", key, org)
        project = await find_project(self.db, actor, key, org=org)
        detail = await self._detail(project, await self._entry(project, conflict_id))
        return ConflictPage(view=project_view(actor, project), detail=detail)

    async def open_count(self, project: ProjectAccess) -> int:
        """How many entries of a project (already checked for the caller) are open."""
        count = await self.db.scalar(select(func.count()).select_from(PlanConflict).where(
            PlanConflict.project_id == project.id, PlanConflict.status == "open"))
        return int(count or 0)

    async def resolve(self, actor: Principal, key: str, conflict_id: str, resolutions: dict[str, Resolution], *,
                      org: str | None = None) -> ConflictResolved:
        """Settle every conflict of an entry and store the result as a new revision; the entry is then resolved.

        Raises:
            NotFound: no such entry. PermissionDenied: the actor may not edit the plan.
            Conflict: the entry is already resolved.
            ValidationFailed: a conflict without a resolution, an unknown conflict id, a value that does not fit,
                or a result with lint findings; nothing changes.
            MergeConflicts: the plan moved on and the result conflicts with it; the entry now holds the new
                conflicts (against the current revision) and stays open.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.EDIT_PLAN)
        entry = await self._entry(project, conflict_id)
        if entry.status != "open":
            raise Conflict(_("this conflict was already resolved in revision %(number)s")
                           % {"number": entry.resolved_revision})
        replayed = merge.merge_plans(await self.plans.tree(project, entry.base_revision),
                                     msgspec.json.decode(entry.local_plan.encode("utf-8")),
                                     await self.plans.tree(project, entry.head_revision))
        found = {merge.conflict_id(conflict): conflict for conflict in replayed.conflicts}
        if set(found) != {item["id"] for item in entry.conflicts}:
            # Only a newer merge could report other conflicts for the same revisions: show them and ask again.
            raise await self._reopen(entry, base=entry.base_revision, local=entry.local_plan.encode("utf-8"),
                                     conflicts=replayed.conflicts, head=entry.head_revision)
        _check_complete(resolutions, list(found))
        plan = replayed.plan
        for item_id, conflict in found.items():
            plan = _settle(plan, item_id, conflict, resolutions[item_id])
        merged = project.current_revision != entry.head_revision
        if merged:
            again = merge.merge_plans(await self.plans.tree(project, entry.head_revision), plan,
                                      await self.plans.tree(project, project.current_revision))
            if again.conflicts:
                raise await self._reopen(entry, base=entry.head_revision, local=encode_plan(plan),
                                         conflicts=again.conflicts, head=project.current_revision)
            plan = again.plan

        async def mark_resolved(number: int) -> None:
            entry.status, entry.resolved_revision, entry.resolved_at = "resolved", number, clock.now()
            entry.resolved_by_id = None if actor.is_system else actor.user_id
            await record(self.db, actor, "conflict.resolved", target=_ledger_target(project, entry.id),
                         payload={"revision": number, "conflicts": len(found), "merged": merged},
                         org_id=project.organization_id)

        note = _resolved_message(entry.message, len(found))
        revision = await self.plans.store(actor, project, encode_plan(plan), project.current_revision, note,
                                          before_commit=mark_resolved)
        summary = _summary(entry, await self._email(entry.author_id), None if actor.is_system else actor.email)
        return ConflictResolved(conflict=summary, revision=revision, merged=merged)

    async def resolve_form(self, actor: Principal, key: str, conflict_id: str, form: Mapping[str, str], *,
                           org: str | None = None) -> ConflictResolved:
        """Resolve from the conflict page's form (see :func:`resolutions_from_form` and :meth:`resolve`)."""
        project = await find_project(self.db, actor, key, org=org, action=Action.EDIT_PLAN)
        entry = await self._entry(project, conflict_id)
        for name, value in form.items():
            reject_nul(name, value)
        resolutions = resolutions_from_form([str(item["id"]) for item in entry.conflicts], form)
        return await self.resolve(actor, key, conflict_id, resolutions, org=org)

    async def _reopen(self, entry: PlanConflict, *, base: int, local: bytes, conflicts: list[merge.Conflict],
                      head: int) -> MergeConflicts:
        items = conflict_items(conflicts)
        entry.base_revision, entry.head_revision, entry.local_plan = base, head, local.decode("utf-8")
        entry.conflicts = msgspec.to_builtins(items)
        await self.db.commit()
        return _conflicts_error(items, entry.id, head, moved=True)

    async def _entry(self, project: ProjectAccess, conflict_id: str) -> PlanConflict:
        reject_nul("conflict_id", conflict_id)
        try:
            wanted = UUID(conflict_id.strip())
        except ValueError:
            wanted = None
        entry = None if wanted is None else await self.db.scalar(
            select(PlanConflict).where(PlanConflict.id == wanted, PlanConflict.project_id == project.id))
        if entry is None:
            raise NotFound(_("%(key)s has no conflict %(id)s") % {"key": project.key, "id": repr(conflict_id[:40])})
        return entry

    async def _summaries(self, project: ProjectAccess, status: str | None, limit: int) -> list[ConflictSummary]:
        query = (
            select(PlanConflict, _Author.email, _Resolver.email)
            .outerjoin(_Author, _Author.id == PlanConflict.author_id)
            .outerjoin(_Resolver, _Resolver.id == PlanConflict.resolved_by_id)
            .where(PlanConflict.project_id == project.id)
            .order_by(case((PlanConflict.status == "open", 0), else_=1), PlanConflict.created_at.desc(),
                      PlanConflict.id.desc())
            .limit(limit)
        )
        if status is not None:
            query = query.where(PlanConflict.status == status)
        return [_summary(entry, author, resolver) for entry, author, resolver in await self.db.execute(query)]

    async def _detail(self, project: ProjectAccess, entry: PlanConflict) -> ConflictDetail:
        summary = _summary(entry, await self._email(entry.author_id), await self._email(entry.resolved_by_id))
        items = msgspec.convert(entry.conflicts, list[ConflictItem])
        return ConflictDetail(**msgspec.structs.asdict(summary), conflicts=items)

    async def _email(self, user_id: UUID | None) -> str | None:
        return None if user_id is None else await self.db.scalar(select(User.email).where(User.id == user_id))


def _ledger_target(project: ProjectAccess, entry_id: UUID) -> str:
    return f"{project.organization_slug}/{project.key}/conflicts/{entry_id}"


def _status(status: str | None) -> str | None:
    if status is None or status in CONFLICT_STATUSES:
        return status
    raise ValidationFailed("status", _("use one of %(choices)s") % {"choices": ", ".join(CONFLICT_STATUSES)})


def _summary(entry: PlanConflict, author: str | None, resolver: str | None = None) -> ConflictSummary:
    return ConflictSummary(
        id=entry.id, status="resolved" if entry.status == "resolved" else "open", base_revision=entry.base_revision,
        head_revision=entry.head_revision, count=len(entry.conflicts), author=author, message=entry.message,
        created_at=entry.created_at, resolved_by=resolver, resolved_at=entry.resolved_at,
        resolved_revision=entry.resolved_revision,
    )


def _conflicts_error(items: list[ConflictItem], entry_id: UUID, head: int, *, moved: bool = False) -> MergeConflicts:
    if moved:
        message = ngettext(
            "the plan changed while you were resolving (it is at revision %(current)d now): %(num)d conflict is "
            "left to resolve", "the plan changed while you were resolving (it is at revision %(current)d now): "
            "%(num)d conflicts are left to resolve", len(items))
    else:
        message = ngettext(
            "%(num)d change conflicts with revision %(current)d on the server; nothing was saved. Resolve it in "
            "the conflict log (entry %(id)s)", "%(num)d changes conflict with revision %(current)d on the server; "
            "nothing was saved. Resolve them in the conflict log (entry %(id)s)", len(items))
    return MergeConflicts(message % {"num": len(items), "current": head, "id": entry_id}, conflicts=items,
                          conflict_id=entry_id, current=head)


def _check_complete(resolutions: dict[str, Resolution], known: list[str]) -> None:
    unknown = sorted(set(resolutions) - set(known))
    if unknown:
        raise ValidationFailed("resolutions", _("this entry has no conflict %(ids)s; its conflicts are %(known)s")
                               % {"ids": ", ".join(unknown), "known": ", ".join(known)})
    missing = [wanted for wanted in known if wanted not in resolutions]
    if missing:
        raise ValidationFailed(
            "resolutions", _("choose a resolution for every conflict; missing: %(ids)s") % {"ids": ", ".join(missing)},
            errors=[{"conflict": wanted, "field": "choice", "message": _("choose how to resolve this conflict")}
                    for wanted in missing])


def _settle(plan: Any, item_id: str, conflict: merge.Conflict, resolution: Resolution) -> Any:
    field = f"resolutions.{item_id}"
    if resolution.choice == "value" and isinstance(resolution.value, msgspec.UnsetType):
        message = _("give the value to put at %(path)s") % {"path": conflict.path}
        raise ValidationFailed(f"{field}.value", message,
                               errors=[{"conflict": item_id, "field": "value", "message": message}])
    value = None if isinstance(resolution.value, msgspec.UnsetType) else resolution.value
    try:
        return merge.resolve(plan, conflict, resolution.choice, value)
    except ValueError as exc:  # DeltaError: the value does not fit the plan there
        message = _("this resolution does not fit the plan: %(error)s") % {"error": exc}
        raise ValidationFailed(field, message,
                               errors=[{"conflict": item_id, "field": "value", "message": message}]) from None


def _resolved_message(pushed: str, count: int) -> str:
    # Revision messages are data (the CLI and the history show them as written), so they stay untranslated.
    note = f"resolved {count} conflict" + ("" if count == 1 else "s")
    return f"{pushed} ({note})" if pushed else note
