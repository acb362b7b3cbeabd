"""Promoting a comment to a microstep: a new plan revision whose microstep links back to the comment.

The plan is changed through the public plan API (read the current revision, add the microstep with
:class:`~buildrunner.spec.document.PlanDocument`, save it expecting that revision), so the new revision is linted,
numbered and seen by ``br sync`` like any other. When someone else saves in between, the promotion is replayed once
on the newer plan; a second clash answers 409.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Comment, PlanItem
from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import CommentInfo, Promoted, PromoteRequest
from app.domain.comments.services._base import CommentBase
from app.domain.comments.services._ids import CommentId
from app.domain.comments.services._people import users_by_id
from app.domain.comments.services._views import comment_url
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess, RevisionInfo
from app.domain.projects.services import PlanService
from app.lib.errors import Conflict, PreconditionFailed, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from buildrunner.errors import SpecError
from buildrunner.spec import ids
from buildrunner.spec.document import PlanDocument
from buildrunner.spec.model import Link

__all__ = ["PromoteChoices", "PromoteService", "StepChoice", "check_promotion"]

_DESCRIPTION_LIMIT = 4000


class StepChoice(msgspec.Struct, frozen=True, kw_only=True):
    """A step a promoted microstep can go into, with its milestone's title."""

    id: str
    title: str
    milestone: str


class PromoteChoices(msgspec.Struct, frozen=True, kw_only=True):
    """What the promote form offers: the comment, the plan's steps, a suggested step and title."""

    project: ProjectAccess
    comment: CommentInfo
    steps: list[StepChoice]
    step_id: str
    title: str


def check_promotion(request: PromoteRequest) -> PromoteRequest:
    """The request with its title and criteria trimmed (blank criteria dropped).

    Raises:
        ValidationFailed: an empty or over-long title, NUL in any field, or no step.
    """
    reject_nul("title", request.title)
    reject_nul("step_id", request.step_id)
    reject_nul("criteria", *request.criteria)
    title = " ".join(request.title.split())
    if not title or len(title) > 500:
        raise ValidationFailed("title", _("give the microstep a title of 1–500 characters"))
    criteria = [" ".join(text.split()) for text in request.criteria if text.strip()]
    if not request.step_id.strip():
        raise ValidationFailed("step_id", _("choose the step the microstep goes into"))
    return PromoteRequest(title=title, step_id=request.step_id.strip(), criteria=criteria)


class PromoteService(CommentBase):
    """Turns comments into microsteps (PMs and TechLeads: it edits the plan)."""

    def __init__(self, db: AsyncSession, plans: PlanService | None = None) -> None:
        """Bind to a database session; ``plans`` is the plan service to save through (default: a new one)."""
        super().__init__(db)
        self.plans = plans or PlanService(db)

    async def choices(self, actor: Principal, key: str, comment_id: CommentId,
                      *, org: str | None = None) -> PromoteChoices:
        """The steps of the current plan, the one nearest the comment's item, and the comment's first line.

        Raises:
            PermissionDenied: the actor may not edit the plan. NotFound: no such comment.
        """
        project = await self._project(actor, key, org, Action.EDIT_PLAN)
        comment = await self._comment(project, comment_id)
        rows = (await self.db.execute(
            select(PlanItem.item_id, PlanItem.kind, PlanItem.title, PlanItem.parent_id)
            .where(PlanItem.project_id == project.id, PlanItem.kind != "microstep").order_by(PlanItem.position)
        )).all()
        milestones = {row.item_id: row.title for row in rows if row.kind == "milestone"}
        steps = [StepChoice(id=row.item_id, title=row.title, milestone=milestones.get(row.parent_id or "", ""))
                 for row in rows if row.kind == "step"]
        near = await self._nearest_step(project, comment, rows)
        first_line = next((line.strip("# ").strip() for line in comment.body.splitlines() if line.strip()), "")
        return PromoteChoices(project=project, comment=await self._info(actor, project, comment, org), steps=steps,
                              step_id=near, title=first_line[:120])

    async def _nearest_step(self, project: ProjectAccess, comment: Comment,
                            rows: Sequence[Row[str, str, str, str | None]]) -> str:
        if comment.entity_type == "step":
            return comment.entity_id
        if comment.entity_type == "microstep":
            parent = await self.db.scalar(select(PlanItem.parent_id).where(
                PlanItem.project_id == project.id, PlanItem.item_id == comment.entity_id))
            return parent or ""
        return next((row.item_id for row in rows if row.kind == "step" and row.parent_id == comment.entity_id), "")

    async def promote(self, actor: Principal, key: str, comment_id: CommentId,
                      request: PromoteRequest, *, base_url: str,
                      org: str | None = None) -> Promoted:
        """Add a microstep made from the comment to ``request.step_id`` as a new plan revision.

        The microstep's description quotes the comment and its links hold one of kind ``comment`` to the comment's
        permalink (``base_url`` makes it absolute, for ``br`` users). The comment then shows what it became.

        Raises:
            PermissionDenied: the actor may not edit the plan. NotFound: no such comment.
            Conflict: the comment is deleted or promoted already, or the plan changed twice while saving.
            ValidationFailed: a bad title, an unknown step, or a plan with lint findings.
        """
        checked = check_promotion(request)
        project = await self._project(actor, key, org, Action.EDIT_PLAN)
        comment = await self._comment(project, comment_id)
        if comment.deleted_at is not None:
            raise Conflict(_("this comment was deleted; it cannot become a microstep"))
        if comment.promoted_to is not None:
            raise Conflict(_("this comment already became microstep %(id)s") % {"id": comment.promoted_to})
        author = (await users_by_id(self.db, {comment.author_id})).get(comment.author_id) \
            if comment.author_id else None
        link = f"{base_url.rstrip('/')}{comment_url(project.key, comment.id)}"
        by = author[0] if author else "a former member"  # stored in the plan, in English like revision messages
        description = (f"Promoted from a comment by {by} on {comment.entity_type} {comment.entity_id}: {link}\n\n"
                       f"{comment.body}")[:_DESCRIPTION_LIMIT]
        message = f"promoted from comment {comment.id}"
        microstep_id, revision = await self._save(actor, project.organization_slug, project.key, checked,
                                                  (description, link, by, message))
        comment = await self._comment(project, comment_id)  # the plan's commit ended the transaction
        comment.promoted_to, comment.promoted_revision = microstep_id, revision.number
        await self._audit(actor, project, "comment.promote", comment, microstep=microstep_id,
                          revision=revision.number)
        await self.db.commit()
        await self._publish("comment.promoted", project, comment, actor)
        return Promoted(comment=await self._info(actor, project, comment, org), microstep_id=microstep_id,
                        revision=revision.number)

    async def _save(self, actor: Principal, org: str, key: str, request: PromoteRequest,
                    texts: tuple[str, str, str, str]) -> tuple[str, RevisionInfo]:
        description, link, by, message = texts
        for attempt in (1, 2):
            snapshot = await self.plans.get_plan(actor, key, org=org)
            document = PlanDocument.from_bytes(snapshot.content)
            located = document.index.get(request.step_id)
            if located is None or located.kind != "step":
                raise ValidationFailed("step_id", _("the plan has no step %(id)s; choose one of its steps")
                                       % {"id": repr(request.step_id)})
            try:
                node = document.add_microstep(request.step_id, request.title, description=description,
                                              criteria=list(request.criteria))
            except SpecError as exc:
                raise ValidationFailed("title", str(exc)) from None
            node.setdefault("links", []).append(msgspec.to_builtins(
                Link(id=ids.new_id("link"), url=link, title=f"Comment by {by}", kind="comment")))
            try:
                revision = await self.plans.save(
                    actor, key, document.to_bytes(), expected_revision=snapshot.info.number, org=org,
                    message=f"{node['id']}: {message}")
            except PreconditionFailed:
                if attempt == 2:
                    raise Conflict(_("the plan changed twice while the comment was being promoted; reload the page "
                                     "and try again")) from None
                continue
            return str(node["id"]), revision
        raise AssertionError("the loop returns or raises")  # pragma: no cover
