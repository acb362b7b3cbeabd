"""What the comment pages share: dependencies, forms, links that keep ``?org=``, and the page contexts."""

from __future__ import annotations

from typing import Annotated, Any, Final
from urllib.parse import quote, urlencode

import msgspec
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import ATTACHMENT_KINDS, AttachmentCreate
from app.domain.comments.services import (
    CommentService,
    CommentsView,
    MentionResolver,
    PromoteService,
    ThreadService,
    WatchService,
    entity_label,
)
from app.domain.projects.web._common import URL_ENCODED, ProjectUrls
from app.lib.errors import DomainError, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from app.server.deps import service

__all__ = [
    "THREAD",
    "URL_ENCODED",
    "AttachmentForm",
    "Caller",
    "CommentForm",
    "CommentUrls",
    "Comments",
    "Mentions",
    "OrgQuery",
    "Promotions",
    "Threads",
    "Watches",
    "attachment_kinds",
    "dependencies",
    "error_of",
    "thread_context",
]

THREAD: Final = "comments/thread.html.j2"
Caller = NamedDependency[Principal]
Comments = NamedDependency[CommentService]
Threads = NamedDependency[ThreadService]
Watches = NamedDependency[WatchService]
Mentions = NamedDependency[MentionResolver]
Promotions = NamedDependency[PromoteService]
OrgQuery = Annotated[str | None, QueryParameter(name="org", required=False)]


def dependencies() -> dict[str, Provide]:
    """The comment services, bound to the request's session."""
    return {"comments": service(CommentService), "threads": service(ThreadService), "watches": service(WatchService),
            "mentions": service(MentionResolver), "promotions": service(PromoteService)}


class CommentForm(msgspec.Struct):
    """A new comment or reply, with an optional link to attach."""

    body: str = ""
    parent_id: str = ""
    link_kind: str = "link"
    link_url: str = ""
    link_title: str = ""


class AttachmentForm(msgspec.Struct):
    """A link to attach to a comment."""

    kind: str = "link"
    url: str = ""
    title: str = ""

    def attachment(self) -> AttachmentCreate:
        """The link as the services take it.

        Raises:
            ValidationFailed: an unknown kind or NUL in a field.
        """
        reject_nul("url", self.url)
        reject_nul("title", self.title)
        if self.kind not in ATTACHMENT_KINDS:
            raise ValidationFailed("kind", _("use one of %(choices)s") % {"choices": ", ".join(ATTACHMENT_KINDS)})
        return AttachmentCreate(kind=self.kind, url=self.url[:2000], title=self.title[:200])


def attachment_kinds() -> list[tuple[str, str]]:
    """The kinds of link, as people read them."""
    return [("link", _("Link")), ("pr", _("Pull request")), ("file", _("File")), ("test_result", _("Test result"))]


class CommentUrls:
    """Links to comment pages of one project; they carry ``?org=`` when the page was opened with it."""

    def __init__(self, key: str, org: str | None) -> None:
        """Links for project ``key`` (of organization ``org``, when it must be named)."""
        self.base = f"/p/{quote(key, safe='')}"
        self.org = org

    def _query(self, **params: Any) -> str:
        kept = {name: value for name, value in {"org": self.org, **params}.items() if value not in (None, "")}
        return f"?{urlencode(kept)}" if kept else ""

    def thread(self, entity_type: str, entity_id: str, **params: Any) -> str:
        """The discussion page of a plan item."""
        return f"{self.base}/comments/{quote(entity_type, safe='')}/{quote(entity_id, safe='')}" + self._query(**params)

    def comment(self, comment_id: str, suffix: str = "") -> str:
        """A comment's permalink, or one of its pages and forms (``suffix`` like ``/edit``)."""
        return f"{self.base}/c/{comment_id}{suffix}" + self._query()

    def watch(self, entity_type: str, entity_id: str) -> str:
        """Where the watch button posts."""
        return f"{self.base}/watch/{quote(entity_type, safe='')}/{quote(entity_id, safe='')}" + self._query()

    def mentions(self) -> str:
        """The mention suggestions (without ``q``; the script adds it)."""
        return f"{self.base}/mentions"


def error_of(exc: DomainError, default_field: str = "body") -> dict[str, str]:
    """The error as ``{"field": ..., "message": ...}`` for the forms."""
    if isinstance(exc, ValidationFailed):
        return {"field": exc.field, "message": exc.detail}
    return {"field": default_field, "message": exc.message}


def thread_context(view: CommentsView, org: str | None, **extra: Any) -> dict[str, Any]:
    """What the discussion page and its fragments render from."""
    project = view.project
    org = project.organization_slug if org else None  # a link names the organization only when the page did
    return {
        "view": view, "project": project, "entity": view.entity, "page": view.page, "can": view.can,
        "nav": {"can_edit_plan": view.can.edit_plan}, "urls": ProjectUrls(project.key, org),
        "curls": CommentUrls(project.key, org), "kind_label": entity_label(view.entity.type),
        "attachment_kinds": attachment_kinds(), "form": CommentForm(), "error": None, "reply_to": None,
        "message": None, **extra,
    }
