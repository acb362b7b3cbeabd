"""The ``comment.*`` domain events, published after each change commits (see :mod:`app.lib.events`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, Literal
from uuid import UUID

from app.db.models import Comment
from app.domain.projects.schemas import ProjectAccess
from app.lib import events

__all__ = ["COMMENT_EVENTS", "CommentEvent", "CommentEventName", "comment_event"]

CommentEventName = Literal[
    "comment.created", "comment.edited", "comment.deleted", "comment.resolved", "comment.reopened", "comment.promoted",
]
COMMENT_EVENTS: Final[tuple[CommentEventName, ...]] = (
    "comment.created", "comment.edited", "comment.deleted", "comment.resolved", "comment.reopened", "comment.promoted",
)


class CommentEvent(events.DomainEvent, frozen=True, kw_only=True):
    """A comment changed.

    ``thread_id`` is the thread's root (the comment itself for a root); ``author_id`` wrote the comment and
    ``actor_id`` made this change (they differ when a moderator deletes). ``mentioned_user_ids`` are everyone the
    comment mentions now, ``new_mention_ids`` those this change added (notify these); ``watcher_ids`` everyone who
    watches the item after the change, the actor included (leave them out when notifying).
    """

    project_id: UUID
    project_key: str
    organization_id: UUID
    entity_type: str
    entity_id: str
    comment_id: UUID
    thread_id: UUID
    author_id: UUID | None
    actor_id: UUID | None
    mentioned_user_ids: tuple[UUID, ...] = ()
    new_mention_ids: tuple[UUID, ...] = ()
    watcher_ids: tuple[UUID, ...] = ()
    microstep_id: str | None = None


def comment_event(name: CommentEventName, project: ProjectAccess, comment: Comment, *, actor_id: UUID | None,
                  mentioned: Iterable[UUID] = (), new_mentions: Iterable[UUID] = (),
                  watchers: Iterable[UUID] = ()) -> CommentEvent:
    """The event ``name`` about ``comment``."""
    return CommentEvent(
        name=name, project_id=project.id, project_key=project.key, organization_id=project.organization_id,
        entity_type=comment.entity_type, entity_id=comment.entity_id, comment_id=comment.id,
        thread_id=comment.parent_id or comment.id, author_id=comment.author_id, actor_id=actor_id,
        mentioned_user_ids=tuple(mentioned), new_mention_ids=tuple(new_mentions), watcher_ids=tuple(watchers),
        microstep_id=comment.promoted_to,
    )
