"""Pushing a plan from a stale revision (merged on the server) and the delta format the CLI syncs with.

A push names the revision it was made from. When that is the current revision the plan is stored as it is; when
the plan has moved on, the push is merged three ways (base = the revision it was made from, local = the push,
remote = the current revision): a clean merge is stored as the next revision, conflicts are kept in the conflict
log and nothing is stored. Deltas (``buildrunner.merge.diff``) let a client send and receive what changed instead
of the whole plan.
"""

from __future__ import annotations

from typing import Any, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Project
from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess, RevisionInfo
from app.domain.projects.services._access import find_project
from app.domain.projects.services._conflicts import ConflictService
from app.domain.projects.services._plans import PlanService, check_plan
from app.lib.errors import PreconditionFailed, ValidationFailed
from app.lib.i18n import gettext as _
from buildrunner import merge
from buildrunner.gcpause import gc_paused
from buildrunner.spec.document import encode_plan

__all__ = ["PlanDelta", "PlanPatch", "PlanPatched", "PlanPushed", "PlanSyncService"]

# A save can lose the race to a concurrent one; the push is then merged again with the plan that won.
_ATTEMPTS: Final = 3


class PlanPushed(RevisionInfo, frozen=True, kw_only=True, omit_defaults=True):
    """The revision a push produced (the fields of a revision), ``merged`` when it was merged with newer changes,
    and then ``plan``: the merged plan as stored."""

    merged: bool
    plan: dict[str, Any] | None = None


class PlanPatch(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A change to the plan as a delta (``buildrunner.merge.diff``) from the revision named in ``If-Match``."""

    delta: Any


class PlanPatched(msgspec.Struct, frozen=True, kw_only=True):
    """The revision a patch produced; ``delta`` turns the client's plan (its revision plus its delta) into the
    stored one (``null`` when they are the same)."""

    revision: RevisionInfo
    merged: bool
    delta: Any


class PlanDelta(msgspec.Struct, frozen=True, kw_only=True):
    """What changed from revision ``from`` to revision ``to`` (``null``: nothing)."""

    from_: int = msgspec.field(name="from")
    to: int
    delta: Any


class _Stored(msgspec.Struct, frozen=True, kw_only=True):
    info: RevisionInfo
    merged: bool
    plan: Any


class PlanSyncService:
    """Pushes, patches and deltas of a plan; writing needs ``edit plan``, reading ``view plan``."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.plans = PlanService(db)
        self.conflicts = ConflictService(db)

    async def push(self, actor: Principal, key: str, data: bytes, *, expected_revision: int | None,
                   message: str = "", org: str | None = None) -> PlanPushed:
        """Store a whole ``plan.json`` made from ``expected_revision``, merging it when the plan has moved on.

        Raises:
            ValidationFailed: the plan (or the merged plan) has lint findings.
            PreconditionFailed: ``expected_revision`` is not a revision of the plan (0 once there is one, or newer
                than the current one).
            MergeConflicts: the push conflicts with the current plan; the conflicts are logged, nothing is stored.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.EDIT_PLAN)
        stored = await self._push(actor, project, data, None, expected=expected_revision, message=message)
        return PlanPushed(**msgspec.structs.asdict(stored.info), merged=stored.merged,
                          plan=stored.plan if stored.merged else None)

    async def patch(self, actor: Principal, key: str, delta: Any, *, expected_revision: int, message: str = "",
                    org: str | None = None) -> PlanPatched:
        """Apply ``delta`` to revision ``expected_revision`` and push the result (see :meth:`push`).

        Raises:
            ValidationFailed: the delta is malformed or does not fit that revision (field ``delta``), or the result
                has lint findings; nothing changes.
            PreconditionFailed: the plan has no revision ``expected_revision``.
            MergeConflicts: as for :meth:`push`.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.EDIT_PLAN)
        if not 1 <= expected_revision <= project.current_revision:
            raise PreconditionFailed(
                _("a delta applies to a revision of the plan; %(expected)d is not one (the current one is "
                  "%(current)d)") % {"expected": expected_revision, "current": project.current_revision},
                current=project.current_revision)
        try:
            local = merge.apply_delta(await self.plans.tree(project, expected_revision), delta)
        except ValueError as exc:  # DeltaError
            raise ValidationFailed("delta", _("the delta does not apply to revision %(number)d: %(error)s; send "
                                              "a delta made from that revision")
                                   % {"number": expected_revision, "error": exc}) from None
        data = encode_plan(local)
        stored = await self._push(actor, project, data, local, expected=expected_revision, message=message)
        return PlanPatched(revision=stored.info, merged=stored.merged, delta=merge.diff(local, stored.plan))

    async def delta(self, actor: Principal, key: str, from_revision: int, *, org: str | None = None) -> PlanDelta:
        """What changed from revision ``from_revision`` to the current one.

        Raises:
            NotFound: the project has no plan yet, or no such revision.
        """
        project = await find_project(self.db, actor, key, org=org)
        current = project.current_revision
        if from_revision == current:
            return PlanDelta(from_=from_revision, to=current, delta=None)
        old = await self.plans.tree(project, from_revision)
        new = await self.plans.tree(project, current)
        return PlanDelta(from_=from_revision, to=current, delta=merge.diff(old, new))

    async def _push(self, actor: Principal, project: ProjectAccess, data: bytes, local: Any, *,
                    expected: int | None, message: str) -> _Stored:
        with gc_paused():  # merging and storing a large plan allocate many acyclic objects (buildrunner.gcpause)
            return await self._push_retrying(actor, project, data, local, expected=expected, message=message)

    async def _push_retrying(self, actor: Principal, project: ProjectAccess, data: bytes, local: Any, *,
                             expected: int | None, message: str) -> _Stored:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                return await self._push_once(actor, project, data, local, expected=expected, message=message)
            except PreconditionFailed:
                latest = await self.db.scalar(select(Project.current_revision).where(Project.id == project.id))
                if attempt == _ATTEMPTS or latest is None or latest == project.current_revision:
                    raise  # a stale If-Match that cannot be merged, or too many lost races
                project = msgspec.structs.replace(project, current_revision=latest)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _push_once(self, actor: Principal, project: ProjectAccess, data: bytes, local: Any, *,
                         expected: int | None, message: str) -> _Stored:
        current = project.current_revision

        async def settle(number: int) -> None:  # conflicts this caller logged before, settled by this push
            if expected:
                await self.conflicts.settle_seen(actor, project, seen=expected, number=number)

        if expected is None or expected == 0 or expected >= current:
            info = await self.plans.store(actor, project, data, expected, message, raw=local, via="sync",
                                          before_commit=settle)
            return _Stored(info=info, merged=False, plan=local)  # a whole-plan push is not echoed back
        check_plan(data, local)  # the push itself must be valid before it is merged (the result is linted when stored)
        remote = await self.plans.tree(project, current)
        result = merge.merge_plans(await self.plans.tree(project, expected),
                                   local if local is not None else msgspec.json.decode(data), remote)
        if result.conflicts:
            raise await self.conflicts.log(actor, project, base=expected, head=current, local=data,
                                           conflicts=result.conflicts, message=message)
        if result.plan == remote:  # everything pushed was already there: no new revision
            return _Stored(info=(await self.plans.snapshot(project, current)).info, merged=True, plan=remote)
        info = await self.plans.store(actor, project, encode_plan(result.plan), current, message, raw=result.plan,
                                      via="sync", before_commit=settle)
        return _Stored(info=info, merged=True, plan=result.plan)

