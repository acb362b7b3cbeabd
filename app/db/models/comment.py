"""Comments on plan items: threads, their edit history, mentions, attachments, and who watches an item."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Comment", "CommentAttachment", "CommentMention", "CommentVersion", "Watch"]


class Comment(UUIDv7AuditBase):
    """A comment on a milestone, step or microstep (``entity_type``/``entity_id``) of a project's plan.

    ``parent_id`` is the root of the thread for a reply (threads are one level deep) and ``None`` for a root.
    ``body`` is the Markdown as written and ``body_html`` its sanitized rendering, made again on every edit. A deleted
    comment keeps its row (the thread stays whole) with an empty body; resolving applies to roots only.
    """

    __tablename__ = "comment"
    __table_args__ = (
        Index("ix_comment_project_entity", "project_id", "entity_type", "entity_id", "created_at"),
        Index("ix_comment_parent", "parent_id"),
    )

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(10))
    entity_id: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[UUID | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), default=None)
    author_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    edited_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    edit_count: Mapped[int] = mapped_column(default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    deleted_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    resolved_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    resolved_by_id: Mapped[UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    promoted_to: Mapped[str | None] = mapped_column(String(200), default=None)
    promoted_revision: Mapped[int | None] = mapped_column(default=None)


class CommentVersion(UUIDv7AuditBase):
    """A body a comment had before an edit: who wrote that version and when (``written_at``)."""

    __tablename__ = "comment_version"
    __table_args__ = (Index("ix_comment_version_comment", "comment_id", "written_at"),)

    comment_id: Mapped[UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    editor_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)
    written_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class CommentMention(UUIDv7AuditBase):
    """A user a comment mentions, and how (``via``: ``@alice``, ``@role:QA``, ``@team:frontend``)."""

    __tablename__ = "comment_mention"
    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)

    comment_id: Mapped[UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    via: Mapped[str] = mapped_column(String(80))


class CommentAttachment(UUIDv7AuditBase):
    """A link a comment carries: a pull request, a file, a test result or any page (``kind``)."""

    __tablename__ = "comment_attachment"

    comment_id: Mapped[UUID] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[UUID | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), default=None)


class Watch(UUIDv7AuditBase):
    """A user watching a plan item of a project: they hear of its new comments."""

    __tablename__ = "watch"
    __table_args__ = (UniqueConstraint("project_id", "entity_type", "entity_id", "user_id"),)

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(10))
    entity_id: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
