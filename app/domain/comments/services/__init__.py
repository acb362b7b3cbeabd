"""Comment services (framework-free): threads, edits and history, resolve, attachments, mentions, watching,
promotion to a microstep, and the ``comment.*`` events they publish."""

from __future__ import annotations

from app.domain.comments.services._base import CommentTooLarge, check_attachment, check_body
from app.domain.comments.services._comments import CommentService, CommentsView
from app.domain.comments.services._entities import EntityRef, check_entity_type, entity_label, find_entity
from app.domain.comments.services._events import COMMENT_EVENTS, CommentEvent, CommentEventName
from app.domain.comments.services._mentions import MentionResolver, Resolved, Suggestion
from app.domain.comments.services._people import Person, people_of
from app.domain.comments.services._promote import PromoteService, check_promotion
from app.domain.comments.services._threads import ThreadService
from app.domain.comments.services._views import Abilities, abilities, comment_url
from app.domain.comments.services._watches import WatchService, add_watchers, watchers

__all__ = [
    "COMMENT_EVENTS",
    "Abilities",
    "CommentEvent",
    "CommentEventName",
    "CommentService",
    "CommentTooLarge",
    "CommentsView",
    "EntityRef",
    "MentionResolver",
    "Person",
    "PromoteService",
    "Resolved",
    "Suggestion",
    "ThreadService",
    "WatchService",
    "abilities",
    "add_watchers",
    "check_attachment",
    "check_body",
    "check_entity_type",
    "check_promotion",
    "comment_url",
    "entity_label",
    "find_entity",
    "people_of",
    "watchers",
]
