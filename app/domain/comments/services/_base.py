"""What the comment services share: input checks, finding a comment in a project, mentions, audit, events."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, ClassVar, Final
from urllib.parse import urlsplit
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Comment, CommentAttachment, CommentMention
from app.domain.accounts.schemas import Principal
from app.domain.audit.services import record
from app.domain.comments.schemas import ATTACHMENT_KINDS, MAX_BODY_BYTES, AttachmentCreate, CommentInfo
from app.domain.comments.services._events import CommentEventName, comment_event
from app.domain.comments.services._ids import CommentId, as_uuid, shown_id
from app.domain.comments.services._mentions import MentionResolver, Resolved
from app.domain.comments.services._views import Abilities, abilities, describe
from app.domain.comments.services._watches import watchers
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services import ProjectService
from app.lib import events, markdown
from app.lib.errors import NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["CommentBase", "CommentTooLarge", "as_uuid", "check_attachment", "check_body"]

_CONTROL: Final = re.compile(r"[\x00-\x20\x7f]")


class CommentTooLarge(ValidationFailed):
    """The comment is bigger than a comment may be."""

    status: ClassVar[int] = 413
    title: ClassVar[str] = "Request too large"
    type_slug: ClassVar[str] = "too-large"


def check_body(body: str) -> str:
    """A comment's Markdown, with line ends normalised and trailing blanks removed.

    Raises:
        ValidationFailed: empty, or holding NUL. CommentTooLarge: over 100 kB of UTF-8.
    """
    reject_nul("body", body)
    size = len(body.encode("utf-8"))
    if size > MAX_BODY_BYTES:
        raise CommentTooLarge("body", _("the comment is %(size)d bytes; keep it under %(limit)d (about 100 kB) or "
                                        "attach a link to a file instead") % {"size": size, "limit": MAX_BODY_BYTES})
    text = body.replace("\r\n", "\n").replace("\r", "\n").rstrip()
    if not text.strip():
        raise ValidationFailed("body", _("write something: a comment cannot be empty"))
    return text


def check_attachment(attachment: AttachmentCreate) -> AttachmentCreate:
    """An attachment with a trimmed http(s) URL and title.

    Raises:
        ValidationFailed: an unknown kind, a URL that is not http or https, or NUL in a field.
    """
    if attachment.kind not in ATTACHMENT_KINDS:
        raise ValidationFailed("kind", _("use one of %(choices)s") % {"choices": ", ".join(ATTACHMENT_KINDS)})
    reject_nul("url", attachment.url)
    reject_nul("title", attachment.title)
    url = attachment.url.strip()
    parts = urlsplit(url) if not _CONTROL.search(url) else None
    if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise ValidationFailed("url", _("give an http:// or https:// address of at most 2000 characters"))
    title = attachment.title.strip()
    if len(title) > 200:
        raise ValidationFailed("title", _("keep the title under 200 characters"))
    return AttachmentCreate(kind=attachment.kind, url=url, title=title)


class CommentBase:
    """Shared by the comment services: bound to a session, finding projects, comments and mentions."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.projects = ProjectService(db)
        self.resolver = MentionResolver(db)

    async def _project(self, actor: Principal, key: str, org: str | None, action: Action) -> ProjectAccess:
        return await self.projects.get(actor, key, org=org, action=action)

    async def _comment(self, project: ProjectAccess, comment_id: CommentId) -> Comment:
        wanted = as_uuid(comment_id)
        comment = None if wanted is None else await self.db.scalar(
            select(Comment).where(Comment.id == wanted, Comment.project_id == project.id))
        if comment is None:
            raise NotFound(_("%(key)s has no comment %(id)s") % {"key": project.key, "id": shown_id(comment_id)})
        return comment

    async def _info(self, actor: Principal, project: ProjectAccess, comment: Comment, org: str | None) -> CommentInfo:
        return (await describe(self.db, abilities(actor, project), project, [comment], org=org))[comment.id]

    def _can(self, actor: Principal, project: ProjectAccess) -> Abilities:
        return abilities(actor, project)

    async def _rendered(self, project: ProjectAccess, text: str, author: UUID | None) -> tuple[str, Resolved]:
        parsed = markdown.parse(text)
        resolved = await self.resolver.resolve(project, parsed.mentions, author=author)
        return markdown.render(parsed, resolved.known), resolved

    async def _set_mentions(self, comment: Comment, users: dict[UUID, str]) -> set[UUID]:
        """Replace the comment's mentions; returns the users it did not mention before."""
        before = set(await self.db.scalars(select(CommentMention.user_id)
                                           .where(CommentMention.comment_id == comment.id)))
        await self.db.execute(delete(CommentMention).where(CommentMention.comment_id == comment.id))
        self.db.add_all(CommentMention(comment_id=comment.id, user_id=user_id, via=via[:80])
                        for user_id, via in users.items())
        return set(users) - before

    def _attach(self, comment: Comment, actor: Principal, attachments: Iterable[AttachmentCreate]) -> None:
        self.db.add_all(
            CommentAttachment(comment_id=comment.id, kind=item.kind, url=item.url, title=item.title,
                              added_by_id=None if actor.is_system else actor.user_id)
            for item in attachments
        )

    async def _audit(self, actor: Principal, project: ProjectAccess, action: str, comment: Comment,
                     **payload: Any) -> None:
        """Record the change in the audit ledger, in this transaction (call it last before the commit)."""
        target = f"{project.organization_slug}/{project.key}/{comment.entity_type}s/{comment.entity_id}"
        await record(self.db, actor, action, target=f"{target}#comment-{comment.id}",
                     payload={"comment_id": str(comment.id), **payload}, org_id=project.organization_id)

    async def _publish(self, name: CommentEventName, project: ProjectAccess, comment: Comment, actor: Principal, *,
                       new_mentions: Iterable[UUID] = ()) -> None:
        mentioned = await self.db.scalars(select(CommentMention.user_id)
                                          .where(CommentMention.comment_id == comment.id))
        watching = await watchers(self.db, project.id, comment.entity_type, comment.entity_id)
        await self.db.commit()  # end the read transaction before the subscribers run
        await events.publish(comment_event(
            name, project, comment, actor_id=None if actor.is_system else actor.user_id, mentioned=list(mentioned),
            new_mentions=sorted(new_mentions), watchers=watching))
