"""Comment rows to the values the API and the pages show: authors, mentions, attachments, what the caller may do."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from urllib.parse import quote, urlencode
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Comment, CommentAttachment, CommentMention, User
from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import AttachmentInfo, CommentInfo, MentionInfo
from app.domain.comments.services._people import users_by_id
from app.domain.projects.permissions import Action, allowed
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services._access import check_project_role

__all__ = ["Abilities", "abilities", "comment_url", "describe"]


class Abilities(msgspec.Struct, frozen=True, kw_only=True):
    """What the caller may do with the comments of a project."""

    user_id: UUID
    comment: bool
    moderate: bool
    edit_plan: bool

    def may_edit(self, comment: Comment) -> bool:
        """Authors edit their own comments, and nobody else's."""
        return self.comment and comment.deleted_at is None and comment.author_id == self.user_id

    def may_delete(self, comment: Comment) -> bool:
        """Authors delete their own comments; PMs and TechLeads (moderators) anyone's."""
        return self.comment and comment.deleted_at is None and (
            comment.author_id == self.user_id or self.moderate)


def abilities(actor: Principal, project: ProjectAccess) -> Abilities:
    """The caller's abilities in ``project``, from the permission matrix (and their API key's scopes)."""
    role = check_project_role(project.role)
    return Abilities(user_id=actor.user_id, comment=allowed(actor, role, Action.COMMENT),
                     moderate=allowed(actor, role, Action.MODERATE_COMMENTS),
                     edit_plan=allowed(actor, role, Action.EDIT_PLAN))


def comment_url(key: str, comment_id: UUID, org: str | None = None) -> str:
    """The permalink of a comment: its page redirects to the thread."""
    return f"/p/{quote(key, safe='')}/c/{comment_id}" + (f"?{urlencode({'org': org})}" if org else "")


async def describe(db: AsyncSession, can: Abilities, project: ProjectAccess, comments: Sequence[Comment], *,
                   org: str | None = None) -> dict[UUID, CommentInfo]:
    """The comments as shown, by id: three queries whatever their number (people, mentions, attachments)."""
    ids = [comment.id for comment in comments]
    mentions: dict[UUID, list[MentionInfo]] = defaultdict(list)
    attachments: dict[UUID, list[tuple[CommentAttachment, UUID | None]]] = defaultdict(list)
    if ids:
        for comment_id, address, name, via in await db.execute(
            select(CommentMention.comment_id, User.email, User.name, CommentMention.via)
            .join(User, User.id == CommentMention.user_id).where(CommentMention.comment_id.in_(ids))
            .order_by(User.email)
        ):
            mentions[comment_id].append(MentionInfo(email=address, name=name, via=via))
        for attachment in await db.scalars(
            select(CommentAttachment).where(CommentAttachment.comment_id.in_(ids))
            .order_by(CommentAttachment.created_at, CommentAttachment.id)
        ):
            attachments[attachment.comment_id].append((attachment, attachment.added_by_id))
    people = await users_by_id(db, {
        *(c.author_id for c in comments), *(c.edited_by_id for c in comments), *(c.deleted_by_id for c in comments),
        *(c.resolved_by_id for c in comments),
        *(added_by for rows in attachments.values() for _, added_by in rows),
    })

    def email(user_id: UUID | None) -> str | None:
        return people[user_id][0] if user_id in people and user_id is not None else None

    described: dict[UUID, CommentInfo] = {}
    for comment in comments:
        author = people.get(comment.author_id) if comment.author_id else None
        described[comment.id] = CommentInfo(
            id=comment.id, entity_type=comment.entity_type, entity_id=comment.entity_id, parent_id=comment.parent_id,
            author=author[0] if author else None, author_name=author[1] if author else "",
            body=comment.body, body_html=comment.body_html, created_at=comment.created_at,
            edited_at=comment.edited_at, edited_by=email(comment.edited_by_id), edit_count=comment.edit_count,
            deleted=comment.deleted_at is not None, deleted_at=comment.deleted_at,
            deleted_by=email(comment.deleted_by_id), resolved=comment.resolved_at is not None,
            resolved_at=comment.resolved_at, resolved_by=email(comment.resolved_by_id),
            promoted_to=comment.promoted_to, promoted_revision=comment.promoted_revision,
            mentions=mentions.get(comment.id, []),
            attachments=[AttachmentInfo(id=a.id, kind=a.kind, url=a.url, title=a.title, added_by=email(added_by))
                         for a, added_by in attachments.get(comment.id, [])],
            url=comment_url(project.key, comment.id, org), can_edit=can.may_edit(comment),
            can_delete=can.may_delete(comment),
        )
    return described
