"""Comment values encoded by the JSON API and shown by the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Final, Literal
from uuid import UUID

import msgspec

__all__ = [
    "ATTACHMENT_KINDS",
    "ENTITY_TYPES",
    "MAX_BODY_BYTES",
    "MAX_THREADS",
    "AttachmentCreate",
    "AttachmentInfo",
    "AttachmentKind",
    "CommentCreate",
    "CommentHistory",
    "CommentInfo",
    "CommentUpdate",
    "CommentVersionInfo",
    "EntityType",
    "MentionInfo",
    "PromoteRequest",
    "Promoted",
    "ThreadInfo",
    "ThreadPage",
    "WatchRequest",
    "WatchState",
]

EntityType = Literal["milestone", "step", "microstep"]
ENTITY_TYPES: Final[tuple[EntityType, ...]] = ("milestone", "step", "microstep")
AttachmentKind = Literal["pr", "file", "test_result", "link"]
ATTACHMENT_KINDS: Final[tuple[AttachmentKind, ...]] = ("pr", "file", "test_result", "link")
MAX_BODY_BYTES: Final = 100_000
MAX_THREADS: Final = 200
MAX_ATTACHMENTS: Final = 20

ItemId = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="Id of the plan item.")]


class MentionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A user a comment mentions, and the mention that named them (``@alice``, ``@role:QA``, ``@team:web``)."""

    email: str
    name: str
    via: str


class AttachmentInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A link attached to a comment."""

    id: UUID
    kind: str
    url: str
    title: str
    added_by: str | None


class CommentInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A comment. A deleted one keeps its place in the thread with an empty body (``deleted`` is true).

    ``body`` is the Markdown as written, ``body_html`` its sanitized rendering; ``resolved_*`` are set on a thread's
    root only; ``promoted_to`` names the microstep the comment became. ``can_*`` say what the caller may do.
    """

    id: UUID
    entity_type: str
    entity_id: str
    parent_id: UUID | None
    author: str | None
    author_name: str
    body: str
    body_html: str
    created_at: datetime
    edited_at: datetime | None = None
    edited_by: str | None = None
    edit_count: int = 0
    deleted: bool = False
    deleted_at: datetime | None = None
    deleted_by: str | None = None
    resolved: bool = False
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    promoted_to: str | None = None
    promoted_revision: int | None = None
    mentions: list[MentionInfo] = msgspec.field(default_factory=list)
    attachments: list[AttachmentInfo] = msgspec.field(default_factory=list)
    url: str = ""
    can_edit: bool = False
    can_delete: bool = False


class ThreadInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A root comment and its replies, oldest first."""

    root: CommentInfo
    replies: list[CommentInfo]


class ThreadPage(msgspec.Struct, frozen=True, kw_only=True):
    """One page of the threads on a plan item, oldest first; ``watching``: the caller watches the item."""

    entity_type: str
    entity_id: str
    entity_title: str
    threads: list[ThreadInfo]
    total: int
    limit: int
    offset: int
    watching: bool
    watchers: int


class AttachmentCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A link to attach: ``kind`` is pr, file, test_result or link; ``url`` is http or https."""

    kind: AttachmentKind
    url: Annotated[str, msgspec.Meta(max_length=2000)]
    title: Annotated[str, msgspec.Meta(max_length=200)] = ""


class CommentCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new comment on a plan item, or a reply (``parent_id``: any comment of the thread)."""

    entity_type: EntityType
    entity_id: ItemId
    body: str
    parent_id: UUID | None = None
    attachments: Annotated[list[AttachmentCreate], msgspec.Meta(max_length=MAX_ATTACHMENTS)] = msgspec.field(
        default_factory=list)


class CommentUpdate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new body for a comment (its author only); the previous one is kept in the history."""

    body: str


class CommentVersionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a comment's body: who wrote it and when; ``current`` for the one shown now."""

    body: str
    body_html: str
    editor: str | None
    written_at: datetime
    current: bool = False


class CommentHistory(msgspec.Struct, frozen=True, kw_only=True):
    """A comment and every version of its body, newest first."""

    comment: CommentInfo
    versions: list[CommentVersionInfo]


class PromoteRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Make a comment a microstep of ``step_id``: ``criteria`` are its acceptance criteria, one per item."""

    title: Annotated[str, msgspec.Meta(max_length=500)]
    step_id: ItemId
    criteria: Annotated[list[Annotated[str, msgspec.Meta(max_length=1000)]], msgspec.Meta(max_length=50)] = \
        msgspec.field(default_factory=list)


class Promoted(msgspec.Struct, frozen=True, kw_only=True):
    """A promoted comment, the microstep it became and the plan revision that added it."""

    comment: CommentInfo
    microstep_id: str
    revision: int


class WatchRequest(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A plan item to watch."""

    entity_type: EntityType
    entity_id: ItemId


class WatchState(msgspec.Struct, frozen=True, kw_only=True):
    """Whether the caller watches a plan item, and how many people do."""

    entity_type: str
    entity_id: str
    watching: bool
    watchers: int
