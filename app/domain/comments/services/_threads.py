"""Threads and their comments' extras: resolve and reopen (recorded in the audit ledger), the edit history, links."""

from __future__ import annotations

from typing import Final
from uuid import UUID

from sqlalchemy import delete, func, select

from app.db.models import Comment, CommentAttachment, CommentVersion
from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import AttachmentCreate, CommentHistory, CommentInfo, CommentVersionInfo
from app.domain.comments.services._base import CommentBase, check_attachment
from app.domain.comments.services._ids import CommentId, as_uuid, shown_id
from app.domain.comments.services._people import users_by_id
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess
from app.lib import clock
from app.lib.errors import Conflict, NotFound, PermissionDenied
from app.lib.i18n import gettext as _

__all__ = ["MAX_ATTACHMENTS", "ThreadService"]

MAX_ATTACHMENTS: Final = 20


class ThreadService(CommentBase):
    """Resolving threads, reading a comment's history, attaching links."""

    async def resolve(self, actor: Principal, key: str, comment_id: CommentId,
                      *, org: str | None = None) -> CommentInfo:
        """Mark the thread of ``comment_id`` resolved (who and when are kept); resolving it again changes nothing.

        Raises:
            PermissionDenied: the actor may not comment. NotFound: no such comment.
        """
        return await self._set_resolved(actor, key, comment_id, org, resolved=True)

    async def reopen(self, actor: Principal, key: str, comment_id: CommentId, *, org: str | None = None) -> CommentInfo:
        """Reopen the resolved thread of ``comment_id``; reopening an open one changes nothing.

        Raises:
            PermissionDenied: the actor may not comment. NotFound: no such comment.
        """
        return await self._set_resolved(actor, key, comment_id, org, resolved=False)

    async def _set_resolved(self, actor: Principal, key: str, comment_id: CommentId, org: str | None, *,
                            resolved: bool) -> CommentInfo:
        project = await self._project(actor, key, org, Action.COMMENT)
        comment = await self._comment(project, comment_id)
        root = comment if comment.parent_id is None else await self._comment(project, comment.parent_id)
        if (root.resolved_at is not None) == resolved:
            return await self._info(actor, project, root, org)
        if resolved:
            root.resolved_at, root.resolved_by_id = clock.now(), actor.user_id
        else:
            root.resolved_at = root.resolved_by_id = None
        await self._audit(actor, project, "comment.resolve" if resolved else "comment.reopen", root)
        await self.db.commit()
        await self._publish("comment.resolved" if resolved else "comment.reopened", project, root, actor)
        return await self._info(actor, project, root, org)

    async def history(self, actor: Principal, key: str, comment_id: CommentId, *,
                      org: str | None = None) -> CommentHistory:
        """The comment with every version of its body, newest (the current one) first.

        Raises:
            NotFound: no such comment.
        """
        project = await self._project(actor, key, org, Action.VIEW_PLAN)
        comment = await self._comment(project, comment_id)
        versions = list(await self.db.scalars(
            select(CommentVersion).where(CommentVersion.comment_id == comment.id)
            .order_by(CommentVersion.written_at.desc(), CommentVersion.id.desc())))
        people = await users_by_id(self.db, {comment.edited_by_id, comment.author_id,
                                             *(version.editor_id for version in versions)})

        def email(user_id: UUID | None) -> str | None:
            return people[user_id][0] if user_id is not None and user_id in people else None

        shown = await self._info(actor, project, comment, org)
        current = [] if comment.deleted_at is not None else [CommentVersionInfo(
            body=comment.body, body_html=comment.body_html, editor=email(comment.edited_by_id or comment.author_id),
            written_at=comment.edited_at or comment.created_at, current=True)]
        older = [CommentVersionInfo(body=v.body, body_html=v.body_html, editor=email(v.editor_id),
                                    written_at=v.written_at) for v in versions]
        return CommentHistory(comment=shown, versions=current + older)

    async def attach(self, actor: Principal, key: str, comment_id: CommentId, attachment: AttachmentCreate, *,
                     org: str | None = None) -> CommentInfo:
        """Attach a link (a PR, a file, a test result, any page) to a comment: its author or a moderator.

        Raises:
            PermissionDenied: neither the author nor a moderator. NotFound: no such comment.
            Conflict: the comment is deleted, or has 20 links already. ValidationFailed: not an http(s) URL.
        """
        project, comment = await self._changeable(actor, key, comment_id, org)
        checked = check_attachment(attachment)
        count = await self.db.scalar(select(func.count()).select_from(CommentAttachment)
                                     .where(CommentAttachment.comment_id == comment.id)) or 0
        if count >= MAX_ATTACHMENTS:
            raise Conflict(_("a comment holds at most %(max)d links; remove one first") % {"max": MAX_ATTACHMENTS})
        self._attach(comment, actor, [checked])
        await self.db.commit()
        return await self._info(actor, project, comment, org)

    async def detach(self, actor: Principal, key: str, comment_id: CommentId, attachment_id: CommentId, *,
                     org: str | None = None) -> CommentInfo:
        """Remove a link from a comment: its author or a moderator.

        Raises:
            PermissionDenied: neither the author nor a moderator. NotFound: no such comment or link.
        """
        project, comment = await self._changeable(actor, key, comment_id, org)
        wanted = as_uuid(attachment_id)
        removed = None if wanted is None else await self.db.execute(delete(CommentAttachment).where(
            CommentAttachment.id == wanted, CommentAttachment.comment_id == comment.id))
        if removed is None or getattr(removed, "rowcount", 1) == 0:
            await self.db.rollback()
            raise NotFound(_("this comment has no attachment %(id)s") % {"id": shown_id(attachment_id)})
        await self.db.commit()
        return await self._info(actor, project, comment, org)

    async def _changeable(self, actor: Principal, key: str, comment_id: CommentId,
                          org: str | None) -> tuple[ProjectAccess, Comment]:
        project = await self._project(actor, key, org, Action.COMMENT)
        comment = await self._comment(project, comment_id)
        if comment.deleted_at is not None:
            raise Conflict(_("this comment was deleted; it can no longer be changed"))
        if not self._can(actor, project).may_delete(comment):
            raise PermissionDenied(_("only the author of a comment, a PM or a TechLead can change its links"))
        return project, comment
