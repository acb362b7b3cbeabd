"""Comments: read the threads of a plan item, write, reply, edit (keeping every earlier body), delete."""

from __future__ import annotations

from uuid import UUID

import msgspec
from sqlalchemy import delete, func, select

from app.db.models import Comment, CommentAttachment, CommentMention, CommentVersion
from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import MAX_THREADS, CommentCreate, CommentInfo, ThreadInfo, ThreadPage
from app.domain.comments.services._base import CommentBase, check_attachment, check_body
from app.domain.comments.services._entities import EntityRef, find_entity
from app.domain.comments.services._ids import CommentId
from app.domain.comments.services._views import Abilities, describe
from app.domain.comments.services._watches import WatchService, add_watchers
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess
from app.lib import clock
from app.lib.errors import Conflict, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _

__all__ = ["CommentService", "CommentsView"]


class CommentsView(msgspec.Struct, frozen=True, kw_only=True):
    """A plan item's threads as a page shows them, with what the caller may do."""

    project: ProjectAccess
    entity: EntityRef
    page: ThreadPage
    can: Abilities


class CommentService(CommentBase):
    """Threads of comments on plan items; every read and write is scoped to the caller's project."""

    async def threads(self, actor: Principal, key: str, entity_type: str, entity_id: str, *, limit: int = 50,
                      offset: int = 0, org: str | None = None) -> ThreadPage:
        """One page of the item's threads, oldest first, each with its replies.

        Raises:
            NotFound: no such project among the actor's, or no such item in its plan.
        """
        return (await self.view(actor, key, entity_type, entity_id, limit=limit, offset=offset, org=org)).page

    async def view(self, actor: Principal, key: str, entity_type: str, entity_id: str, *, limit: int = 50,
                   offset: int = 0, org: str | None = None) -> CommentsView:
        """Like :meth:`threads`, with the project, the item and the caller's abilities (for the pages)."""
        project = await self._project(actor, key, org, Action.VIEW_PLAN)
        entity = await find_entity(self.db, project, entity_type, entity_id)
        limit, offset = max(1, min(limit, MAX_THREADS)), max(0, offset)
        where = (Comment.project_id == project.id, Comment.entity_type == entity.type,
                 Comment.entity_id == entity.id)
        total = await self.db.scalar(select(func.count()).select_from(Comment)
                                     .where(*where, Comment.parent_id.is_(None))) or 0
        roots = list(await self.db.scalars(
            select(Comment).where(*where, Comment.parent_id.is_(None))
            .order_by(Comment.created_at, Comment.id).limit(limit).offset(offset)))
        replies = list(await self.db.scalars(
            select(Comment).where(*where, Comment.parent_id.in_([root.id for root in roots]))
            .order_by(Comment.created_at, Comment.id))) if roots else []
        can = self._can(actor, project)
        shown = await describe(self.db, can, project, [*roots, *replies], org=org)
        threads = [ThreadInfo(root=shown[root.id], replies=[shown[r.id] for r in replies if r.parent_id == root.id])
                   for root in roots]
        watch = await WatchService(self.db).state_of(actor, project, entity.type, entity.id)
        page = ThreadPage(entity_type=entity.type, entity_id=entity.id, entity_title=entity.title, threads=threads,
                          total=total, limit=limit, offset=offset, watching=watch.watching, watchers=watch.watchers)
        return CommentsView(project=project, entity=entity, page=page, can=can)

    async def get(self, actor: Principal, key: str, comment_id: CommentId, *, org: str | None = None) -> CommentInfo:
        """One comment of the project.

        Raises:
            NotFound: no such project among the actor's, or no such comment in it.
        """
        project = await self._project(actor, key, org, Action.VIEW_PLAN)
        return await self._info(actor, project, await self._comment(project, comment_id), org)

    async def locate(self, actor: Principal, key: str, comment_id: CommentId, *,
                     org: str | None = None) -> tuple[CommentInfo, int]:
        """A comment and the position of its thread among the item's threads (0 for the oldest), for permalinks.

        Raises:
            NotFound: no such project among the actor's, or no such comment in it.
        """
        project = await self._project(actor, key, org, Action.VIEW_PLAN)
        comment = await self._comment(project, comment_id)
        root = comment if comment.parent_id is None else await self._comment(project, comment.parent_id)
        before = await self.db.scalar(select(func.count()).select_from(Comment).where(
            Comment.project_id == project.id, Comment.entity_type == root.entity_type,
            Comment.entity_id == root.entity_id, Comment.parent_id.is_(None),
            (Comment.created_at < root.created_at) | ((Comment.created_at == root.created_at) & (Comment.id < root.id)),
        )) or 0
        return await self._info(actor, project, comment, org), before

    async def create(self, actor: Principal, key: str, data: CommentCreate, *, org: str | None = None) -> CommentInfo:
        """Comment on a plan item, or reply to a thread; the author and everyone mentioned then watch the item.

        Raises:
            PermissionDenied: the actor may not comment (Viewers, read-only keys).
            NotFound: no such project, plan item or parent comment. ValidationFailed: an empty body, NUL, an
            ambiguous mention, a bad attachment, a parent on another item. CommentTooLarge: over 100 kB.
        """
        project = await self._project(actor, key, org, Action.COMMENT)
        entity = await find_entity(self.db, project, data.entity_type, data.entity_id)
        root_id = await self._thread_of(project, entity, data.parent_id)
        text = check_body(data.body)
        attachments = [check_attachment(item) for item in data.attachments]
        author = None if actor.is_system else actor.user_id
        body_html, resolved = await self._rendered(project, text, author)
        comment = Comment(project_id=project.id, entity_type=entity.type, entity_id=entity.id, parent_id=root_id,
                          author_id=author, body=text, body_html=body_html)
        self.db.add(comment)
        await self.db.flush()
        new_mentions = await self._set_mentions(comment, resolved.users)
        self._attach(comment, actor, attachments)
        await add_watchers(self.db, project.id, entity.type, entity.id,
                           [*([author] if author else []), *resolved.users])
        await self._audit(actor, project, "comment.create", comment, reply=root_id is not None)
        await self.db.commit()
        await self._publish("comment.created", project, comment, actor, new_mentions=new_mentions)
        return await self._info(actor, project, comment, org)

    async def _thread_of(self, project: ProjectAccess, entity: EntityRef, parent_id: UUID | None) -> UUID | None:
        if parent_id is None:
            return None
        parent = await self._comment(project, parent_id)
        if (parent.entity_type, parent.entity_id) != (entity.type, entity.id):
            raise ValidationFailed("parent_id", _("comment %(id)s is about another item (%(kind)s %(item)s); reply "
                                                  "on that item") % {"id": parent_id, "kind": parent.entity_type,
                                                                     "item": parent.entity_id})
        return parent.parent_id or parent.id  # a reply to a reply joins the thread of its root

    async def edit(self, actor: Principal, key: str, comment_id: CommentId, body: str, *,
                   org: str | None = None) -> CommentInfo:
        """Change a comment's body (its author only); the previous body is kept in the history.

        Raises:
            PermissionDenied: not the author, or may not comment. Conflict: the comment is deleted.
            NotFound: no such comment. ValidationFailed / CommentTooLarge: as for :meth:`create`.
        """
        project = await self._project(actor, key, org, Action.COMMENT)
        comment = await self._comment(project, comment_id)
        if comment.deleted_at is not None:
            raise Conflict(_("this comment was deleted; it can no longer be edited"))
        if comment.author_id is None or comment.author_id != actor.user_id:
            raise PermissionDenied(_("only the author of a comment can edit it"))
        text = check_body(body)
        if text == comment.body:
            return await self._info(actor, project, comment, org)
        body_html, resolved = await self._rendered(project, text, comment.author_id)
        self.db.add(CommentVersion(comment_id=comment.id, body=comment.body, body_html=comment.body_html,
                                   editor_id=comment.edited_by_id or comment.author_id,
                                   written_at=comment.edited_at or comment.created_at))
        comment.body, comment.body_html = text, body_html
        comment.edited_at, comment.edited_by_id = clock.now(), actor.user_id
        comment.edit_count += 1
        new_mentions = await self._set_mentions(comment, resolved.users)
        await add_watchers(self.db, project.id, comment.entity_type, comment.entity_id, new_mentions)
        await self._audit(actor, project, "comment.edit", comment, version=comment.edit_count)
        await self.db.commit()
        await self._publish("comment.edited", project, comment, actor, new_mentions=new_mentions)
        return await self._info(actor, project, comment, org)

    async def delete(self, actor: Principal, key: str, comment_id: CommentId, *, org: str | None = None) -> CommentInfo:
        """Delete a comment (its author, or a PM or TechLead): its place in the thread stays, its text goes.

        The body, earlier versions, mentions and attachments are erased; the audit ledger records who deleted it.
        Deleting a deleted comment changes nothing.

        Raises:
            PermissionDenied: neither the author nor a moderator. NotFound: no such comment.
        """
        project = await self._project(actor, key, org, Action.COMMENT)
        comment = await self._comment(project, comment_id)
        if comment.deleted_at is not None:
            return await self._info(actor, project, comment, org)
        if not self._can(actor, project).may_delete(comment):
            raise PermissionDenied(_("only the author of a comment, a PM or a TechLead can delete it"))
        comment.deleted_at, comment.deleted_by_id = clock.now(), actor.user_id
        comment.body = comment.body_html = ""
        for table in (CommentVersion, CommentMention, CommentAttachment):
            await self.db.execute(delete(table).where(table.comment_id == comment.id))
        await self._audit(actor, project, "comment.delete", comment,
                          moderated=comment.author_id != actor.user_id)
        await self.db.commit()
        await self._publish("comment.deleted", project, comment, actor)
        return await self._info(actor, project, comment, org)
