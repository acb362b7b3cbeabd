"""Plan revisions: save (linted, hashed, numbered), read, and edit microsteps as new revisions."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from threading import Lock
from typing import Any, Final
from uuid import UUID

import msgspec
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanRevision, Project, User
from app.domain.accounts.schemas import Principal
from app.domain.governance.services import enforce_plan_revision
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import PlanSnapshot, ProjectAccess, RevisionInfo
from app.domain.projects.services._access import find_project
from app.domain.projects.services._materialize import materialize
from app.domain.projects.services._plan_events import publish_revision
from app.domain.projects.services._revision_events import record_revision
from app.lib.errors import NotFound, PreconditionFailed, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.i18n import ngettext
from buildrunner.errors import NotFoundError, SpecError
from buildrunner.gcpause import gc_paused
from buildrunner.spec.document import PlanDocument
from buildrunner.spec.lint import lint_and_load
from buildrunner.spec.model import STATUSES, Plan

__all__ = ["BeforeCommit", "PlanService", "check_plan"]

class _TreeCache:
    """The last few revisions' decoded trees, by (project id, revision number); bounded, oldest out first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[UUID, int], Any] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[UUID, int]) -> Any:
        with self._lock:
            tree = self._items.get(key)
            if tree is not None:
                self._items.move_to_end(key)
            return tree

    def put(self, key: tuple[UUID, int], tree: Any) -> None:
        with self._lock:
            self._items[key] = tree
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_TREES: Final = _TreeCache(size=8)

#: Awaited with the revision number just before a save commits (see :meth:`PlanService.store`).
BeforeCommit = Callable[[int], Awaitable[None]]


def check_plan(data: bytes, raw: Any = None) -> Plan:
    """Lint ``plan.json`` bytes (``raw``: their decoded JSON, when the caller has it); return the plan, typed.

    Raises:
        ValidationFailed: listing every finding in ``errors`` (unparseable JSON included).
    """
    findings, plan = lint_and_load(data, raw)
    if findings or plan is None:
        raise ValidationFailed(
            "plan", ngettext("the plan has %(num)d problem; fix it and upload again",
                             "the plan has %(num)d problems; fix them and upload again", len(findings))
            % {"num": len(findings)},
            errors=[msgspec.to_builtins(finding) for finding in findings],
        )
    return plan


class PlanService:
    """A project's plan as numbered revisions; every change is a new full snapshot."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    async def save(self, actor: Principal, key: str, data: bytes, *, expected_revision: int | None,
                   message: str = "", org: str | None = None) -> RevisionInfo:
        """Store ``data`` as the next revision (unchanged content keeps the current one).

        Args:
            actor: who saves. key: the project key. data: ``plan.json`` bytes.
            expected_revision: the revision the caller edited (0 for a first upload); ``None`` skips the check.
            message: a short note kept with the revision. org: the organization slug when the key is ambiguous.

        Raises:
            ValidationFailed: the plan has lint findings (listed in ``errors``).
            PreconditionFailed: ``expected_revision`` is not the current revision.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.EDIT_PLAN)
        return await self.store(actor, project, data, expected_revision, message)

    async def store(self, actor: Principal, project: ProjectAccess, data: bytes, expected: int | None,
                    message: str, *, before_commit: BeforeCommit | None = None, raw: Any = None,
                    via: str | None = None) -> RevisionInfo:
        """Store ``data`` in a project the caller was already checked for (see :meth:`save`).

        ``before_commit`` is awaited with the number of the revision that holds ``data`` (a new one, or the current
        one when nothing changed) just before the commit, so related rows are written in the same transaction.
        ``raw`` is ``data`` decoded, when the caller has it: it is not decoded again, and it is kept as the new
        revision's tree (see :meth:`tree`), so the caller must not change it afterwards. ``via`` says how the revision
        came (``"sync"``: a push of the sync endpoints); its ledger entry keeps it.

        Raises:
            ValidationFailed: lint findings. PreconditionFailed: ``expected`` is stale, or another save won.
        """
        with gc_paused():  # a large plan's save allocates many acyclic objects (see buildrunner.gcpause)
            return await self._store(actor, project, data, expected, message, before_commit=before_commit, raw=raw,
                                     via=via)

    async def _store(self, actor: Principal, project: ProjectAccess, data: bytes, expected: int | None,
                     message: str, *, before_commit: BeforeCommit | None, raw: Any, via: str | None) -> RevisionInfo:
        plan = check_plan(data, raw)
        current = project.current_revision
        if expected is not None and expected != current:
            raise PreconditionFailed(
                _("the plan changed: you edited revision %(expected)d, the current one is %(current)d; "
                  "reload and retry") % {"expected": expected, "current": current},
                current=current,
            )
        content_hash = hashlib.sha256(data).hexdigest()
        latest = await self._revision_row(project, current) if current else None
        if latest is not None and latest.content_hash == content_hash:
            if before_commit is not None:
                await self._commit(before_commit, latest.number)
            return await self._info(latest)
        old_tree = None
        if latest is not None:  # the policy's status gates and approvals (the first revision is imported as is)
            old_tree = _TREES.get((project.id, current)) or msgspec.json.decode(latest.snapshot)
            await enforce_plan_revision(self.db, actor, project, old_tree, plan)
        claimed = await self.db.execute(
            update(Project).where(Project.id == project.id, Project.current_revision == current)
            .values(current_revision=current + 1)
        )
        if getattr(claimed, "rowcount", 1) != 1:
            await self.db.rollback()
            raise PreconditionFailed(_("the plan changed while saving; reload and retry"), current=None)
        statuses = [micro.status for milestone in plan.milestones for step in milestone.steps
                    for micro in step.microsteps]  # the burn-up chart's counts
        revision = PlanRevision(
            project_id=project.id, number=current + 1, snapshot=data.decode("utf-8"), content_hash=content_hash,
            author_id=None if actor.is_system else actor.user_id, message=message.strip()[:500],
            done_count=statuses.count("done"), total_count=len(statuses),
        )
        self.db.add(revision)
        await materialize(self.db, project.id, plan, old_tree)
        await record_revision(self.db, actor, project, revision.number, message=revision.message, old=old_tree,
                              new=plan, via=via)
        await self._commit(before_commit, revision.number)
        if raw is not None:
            _TREES.put((project.id, revision.number), raw)
        await publish_revision(actor, project, revision.number, old_tree, plan)
        return await self._info(revision)

    async def _commit(self, before_commit: BeforeCommit | None, number: int) -> None:
        try:
            if before_commit is not None:
                await before_commit(number)
            await self.db.commit()
        except IntegrityError:
            await self.db.rollback()
            raise PreconditionFailed(_("the plan changed while saving; reload and retry")) from None
        except BaseException:
            await self.db.rollback()
            raise

    async def get_plan(self, actor: Principal, key: str, *, org: str | None = None) -> PlanSnapshot:
        """The current revision with its content.

        Raises:
            NotFound: the project has no plan yet (or is not the actor's).
        """
        project = await find_project(self.db, actor, key, org=org)
        return await self._snapshot(project, project.current_revision)

    async def get_revision(self, actor: Principal, key: str, number: int, *, org: str | None = None) -> PlanSnapshot:
        """Revision ``number`` with its content.

        Raises:
            NotFound: no such revision.
        """
        project = await find_project(self.db, actor, key, org=org)
        return await self._snapshot(project, number)

    async def list_revisions(self, actor: Principal, key: str, *, org: str | None = None) -> list[RevisionInfo]:
        """Every revision of the project, newest first."""
        project = await find_project(self.db, actor, key, org=org)
        rows = await self.db.execute(
            select(PlanRevision, User.email).outerjoin(User, User.id == PlanRevision.author_id)
            .where(PlanRevision.project_id == project.id).order_by(PlanRevision.number.desc())
        )
        return [_info(revision, email) for revision, email in rows]

    async def set_status(self, actor: Principal, key: str, microstep_id: str, status: str, *,
                         expected_revision: int | None = None, org: str | None = None) -> RevisionInfo:
        """Change a microstep's status as a new revision; fields the server does not know survive.

        Raises:
            NotFound: no such microstep. ValidationFailed: unknown status, or done with unmet criteria.
            PreconditionFailed: ``expected_revision`` is stale.
        """
        if status not in STATUSES:
            raise ValidationFailed("status", _("use one of %(choices)s") % {"choices": ", ".join(STATUSES)})
        project = await find_project(self.db, actor, key, org=org, action=Action.CHANGE_STATUS)
        return await self._edit(actor, project, expected_revision, f"{microstep_id}: status → {status}",
                                lambda doc: doc.set_status(_exact(doc, microstep_id), status), field="status")

    async def check_criterion(self, actor: Principal, key: str, microstep_id: str, criterion_id: str, *,
                              met: bool = True, expected_revision: int | None = None,
                              org: str | None = None) -> RevisionInfo:
        """Mark an acceptance criterion met (or unmet) as a new revision.

        Raises:
            NotFound: no such microstep or criterion. ValidationFailed: unchecking a criterion of a done microstep.
            PreconditionFailed: ``expected_revision`` is stale.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.CHECK_CRITERIA)
        verb = "checked" if met else "unchecked"
        return await self._edit(actor, project, expected_revision, f"{microstep_id}: {verb} {criterion_id}",
                                lambda doc: doc.check(_exact(doc, microstep_id), criterion_id, met=met), field="met")

    async def _edit(self, actor: Principal, project: ProjectAccess, expected: int | None, message: str,
                    change: Any, *, field: str) -> RevisionInfo:
        if expected is not None and expected != project.current_revision:
            raise PreconditionFailed(
                _("the plan changed: you saw revision %(expected)d, the current one is %(current)d")
                % {"expected": expected, "current": project.current_revision},
                current=project.current_revision,
            )
        snapshot = await self._snapshot(project, project.current_revision)
        document = PlanDocument.from_bytes(snapshot.content)
        try:
            change(document)
        except NotFoundError as exc:
            raise NotFound(str(exc)) from None
        except SpecError as exc:
            raise ValidationFailed(field, str(exc)) from None
        return await self.store(actor, project, document.to_bytes(), project.current_revision, message)

    async def _revision_row(self, project: ProjectAccess, number: int) -> PlanRevision | None:
        return await self.db.scalar(
            select(PlanRevision).where(PlanRevision.project_id == project.id, PlanRevision.number == number)
        )

    async def snapshot(self, project: ProjectAccess, number: int) -> PlanSnapshot:
        """Revision ``number`` of a project the caller was already checked for.

        Raises:
            NotFound: no such revision.
        """
        return await self._snapshot(project, number)

    async def tree(self, project: ProjectAccess, number: int) -> Any:
        """Revision ``number`` of a project the caller was already checked for, as a JSON tree (for merges).

        Trees of recent revisions are kept decoded (a revision never changes): a sync's next push starts from the
        revision the last one stored, and decoding a 10,000-microstep plan costs more than the merge. Callers must
        not change the tree they get.

        Raises:
            NotFound: no such revision.
        """
        key = (project.id, number)
        tree = _TREES.get(key)
        if tree is None:
            tree = msgspec.json.decode((await self._snapshot(project, number)).content)
            _TREES.put(key, tree)
        return tree

    async def _snapshot(self, project: ProjectAccess, number: int) -> PlanSnapshot:
        revision = await self._revision_row(project, number) if number > 0 else None
        if revision is None:
            if project.current_revision == 0:
                raise NotFound(_("%(key)s has no plan yet; upload a plan.json first") % {"key": project.key})
            raise NotFound(_("%(key)s has no revision %(number)d (the latest is %(latest)d)")
                           % {"key": project.key, "number": number, "latest": project.current_revision})
        return PlanSnapshot(info=await self._info(revision), content=revision.snapshot.encode("utf-8"))

    async def _info(self, revision: PlanRevision) -> RevisionInfo:
        email = await self.db.scalar(select(User.email).where(User.id == revision.author_id)) \
            if revision.author_id else None
        return _info(revision, email)


def _exact(document: PlanDocument, microstep_id: str) -> str:
    # PlanDocument.find accepts id prefixes (handy in a terminal); the server wants exact ids.
    if microstep_id not in document.index:
        raise NotFound(_("the plan has no microstep %(id)s") % {"id": repr(microstep_id)})
    return microstep_id


def _info(revision: PlanRevision, author: str | None) -> RevisionInfo:
    return RevisionInfo(number=revision.number, content_hash=revision.content_hash, author=author,
                        message=revision.message, created_at=revision.created_at)
