"""From a domain event to the notifications it causes: who hears of it, and what they read.

Each function reads what it needs in the subscriber's own session and returns ``(recipients, draft)`` pairs; the
:class:`~app.domain.notifications.services._notify.Notifier` leaves out the actor and applies preferences. Titles
are written in the language of the request that caused the event (the subscriber runs inside it).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import quote, urlencode
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Comment, Organization, User, Watch
from app.domain.comments.services import CommentEvent
from app.domain.governance.services import ApprovalEvent, transition_label
from app.domain.notifications.services._notify import Draft, shorten
from app.domain.projects.services import PlanRevisionEvent
from app.lib.i18n import gettext as _

__all__ = ["Planned", "approval_drafts", "comment_drafts", "status_drafts"]

Planned = list[tuple[list[UUID], Draft]]
_EXCERPT: Final = 280


async def _org_slug(db: AsyncSession, organization_id: UUID) -> str:
    return await db.scalar(select(Organization.slug).where(Organization.id == organization_id)) or ""


async def _who(db: AsyncSession, user_id: UUID | None) -> str:
    row = None if user_id is None else (await db.execute(
        select(User.name, User.email).where(User.id == user_id))).first()
    if row is None:
        return _("The operator") if user_id is None else _("Someone")
    return str(row.name or row.email)


def _path(key: str, suffix: str, slug: str) -> str:
    return f"/p/{quote(key, safe='')}{suffix}" + (f"?{urlencode({'org': slug})}" if slug else "")


async def comment_drafts(db: AsyncSession, event: CommentEvent) -> Planned:
    """A new comment: the people it newly mentions, the author of the thread it replies to, and the watchers of the
    item (each person once, for the strongest reason). An edit notifies only the people it newly mentions."""
    if event.name not in ("comment.created", "comment.edited"):
        return []
    comment = await db.get(Comment, event.comment_id)
    if comment is None or comment.deleted_at is not None:
        return []
    who, slug = await _who(db, event.actor_id), await _org_slug(db, event.organization_id)
    what = f"{event.entity_type} {event.entity_id}"
    values = {"who": who, "what": what, "key": event.project_key}

    def draft(kind: str, title: str) -> Draft:
        return Draft(kind=kind, organization_id=event.organization_id, project_id=event.project_id,
                     title=title % values, body=shorten(comment.body, _EXCERPT),
                     url=_path(event.project_key, f"/c/{event.comment_id}", slug), actor_id=event.actor_id,
                     dedup_key=f"comment:{event.comment_id}:{kind.removeprefix('comment.')}")

    mentioned = list(event.new_mention_ids)
    planned: Planned = [(mentioned, draft("comment.mention", _("%(who)s mentioned you on %(what)s in %(key)s")))]
    if event.name == "comment.edited":
        return planned
    replied: list[UUID] = []
    if event.thread_id != event.comment_id:
        root_author = await db.scalar(select(Comment.author_id).where(Comment.id == event.thread_id))
        replied = [root_author] if root_author is not None and root_author not in mentioned else []
        planned.append((replied, draft("comment.reply", _("%(who)s replied to your comment on %(what)s in %(key)s"))))
    # Mentioned people watch the item now too; they already have the more specific notification.
    told = {*mentioned, *replied, *event.mentioned_user_ids}
    watchers = [user_id for user_id in event.watcher_ids if user_id not in told]
    planned.append((watchers, draft("comment.watch", _("%(who)s commented on %(what)s in %(key)s"))))
    return planned


async def approval_drafts(db: AsyncSession, event: ApprovalEvent) -> Planned:
    """A new request: its approvers; a decision: its requester."""
    slug = await _org_slug(db, event.organization_id)
    values = {"who": await _who(db, event.actor_id), "what": transition_label(event.transition),
              "target": event.target[:80], "key": event.project_key}
    url = _path(event.project_key, f"/approvals/{event.approval_id}", slug)
    if event.name == "approval.requested":
        kind, recipients = "approval.requested", list(event.approver_ids)
        title = _("%(who)s asks for your approval of %(what)s in %(key)s")
    elif event.name == "approval.decided" and event.requester_id is not None:
        kind, recipients = "approval.decided", [event.requester_id]
        title = (_("%(who)s approved your request for %(what)s in %(key)s") if event.status == "approved"
                 else _("%(who)s denied your request for %(what)s in %(key)s"))
    else:
        return []
    body = _("About %(target)s.") % values
    return [(recipients, Draft(kind=kind, organization_id=event.organization_id, project_id=event.project_id,
                               title=title % values, body=body, url=url, actor_id=event.actor_id,
                               dedup_key=f"approval:{event.approval_id}:{event.name.removeprefix('approval.')}"))]


def _status_label(status: str) -> str:
    labels = {"todo": _("To do"), "in_progress": _("In progress"), "blocked": _("Blocked"), "review": _("In review"),
              "done": _("Done")}
    return labels.get(status, status)


async def status_drafts(db: AsyncSession, event: PlanRevisionEvent) -> Planned:
    """A plan revision that changed microsteps' statuses: the watchers of each of those microsteps."""
    if not event.status_changes:
        return []
    rows = await db.execute(select(Watch.entity_id, Watch.user_id).where(
        Watch.project_id == event.project_id, Watch.entity_type == "microstep",
        Watch.entity_id.in_(list(event.status_changes))))
    watching: dict[str, list[UUID]] = {}
    for entity_id, user_id in rows:
        watching.setdefault(entity_id, []).append(user_id)
    if not watching:
        return []
    who, slug = await _who(db, event.actor_id), await _org_slug(db, event.organization_id)
    planned: Planned = []
    for microstep_id, users in watching.items():
        old, new = event.status_changes[microstep_id]
        title = _("%(who)s moved %(item)s in %(key)s from %(old)s to %(new)s") % {
            "who": who, "item": microstep_id, "key": event.project_key, "old": _status_label(old),
            "new": _status_label(new)}
        planned.append((users, Draft(
            kind="status.changed", organization_id=event.organization_id, project_id=event.project_id, title=title,
            body=_("Revision %(num)d of the plan.") % {"num": event.revision},
            url=_path(event.project_key, f"/m/{quote(microstep_id, safe='')}", slug), actor_id=event.actor_id,
            dedup_key=f"status:{event.project_id}:{event.revision}:{microstep_id}"[:200])))
    return planned
