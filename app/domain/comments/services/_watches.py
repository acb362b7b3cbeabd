"""Watching a plan item: the people who hear of its comments. Commenting and being mentioned watch it too."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import msgspec
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Comment, Watch
from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import WatchState
from app.domain.comments.services._entities import EntityRef, find_entity
from app.domain.comments.services._ids import CommentId, as_uuid, shown_id
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services import ProjectService
from app.lib.errors import NotFound
from app.lib.i18n import gettext as _

__all__ = ["WatchService", "add_watchers", "watchers"]


async def watchers(db: AsyncSession, project_id: UUID, entity_type: str, entity_id: str) -> list[UUID]:
    """The ids of the users watching a plan item, in the order they started."""
    rows = await db.scalars(
        select(Watch.user_id).where(Watch.project_id == project_id, Watch.entity_type == entity_type,
                                    Watch.entity_id == entity_id).order_by(Watch.created_at, Watch.id))
    return list(rows)


async def add_watchers(db: AsyncSession, project_id: UUID, entity_type: str, entity_id: str,
                       user_ids: Iterable[UUID]) -> None:
    """Make ``user_ids`` watch the item, in the caller's transaction (those who already do are left alone).

    ``INSERT ... ON CONFLICT DO NOTHING`` (both databases have it): two requests watching at once cannot fail
    on the unique constraint, so the comment that caused the watch is never rolled back for it.
    """
    rows: list[dict[str, Any]] = [
        {"project_id": project_id, "entity_type": entity_type, "entity_id": entity_id, "user_id": user_id}
        for user_id in dict.fromkeys(user_ids)
    ]
    if not rows:
        return
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    await db.execute(insert(Watch).values(rows).on_conflict_do_nothing())


class WatchService:
    """Watch and unwatch plan items; anyone who can see a project may watch its items."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.projects = ProjectService(db)

    async def _project(self, actor: Principal, key: str, org: str | None) -> ProjectAccess:
        # Watching is a person's own subscription: any role in the project may watch, and an API key needs
        # comments:write (checked by its route) rather than plan:read to do it for them.
        if actor.scopes is not None and actor.has_scope("comments:write"):
            actor = msgspec.structs.replace(actor, scopes=actor.scopes | {"plan:read"})
        return await self.projects.get(actor, key, org=org)

    async def _item(self, actor: Principal, key: str, entity_type: str, entity_id: str,
                    org: str | None) -> tuple[ProjectAccess, EntityRef]:
        project = await self._project(actor, key, org)
        return project, await find_entity(self.db, project, entity_type, entity_id)

    async def state(self, actor: Principal, key: str, entity_type: str, entity_id: str, *,
                    org: str | None = None) -> WatchState:
        """Whether the actor watches the item and how many people do.

        Raises:
            NotFound: no such project among the actor's, or no such item in its plan.
        """
        project, item = await self._item(actor, key, entity_type, entity_id, org)
        return await self.state_of(actor, project, item.type, item.id)

    async def state_of(self, actor: Principal, project: ProjectAccess, entity_type: str, entity_id: str) -> WatchState:
        """Like :meth:`state`, for an item already checked."""
        where = (Watch.project_id == project.id, Watch.entity_type == entity_type, Watch.entity_id == entity_id)
        count = await self.db.scalar(select(func.count()).select_from(Watch).where(*where)) or 0
        mine = await self.db.scalar(select(Watch.id).where(*where, Watch.user_id == actor.user_id))
        return WatchState(entity_type=entity_type, entity_id=entity_id, watching=mine is not None, watchers=count)

    async def watch(self, actor: Principal, key: str, entity_type: str, entity_id: str, *,
                    org: str | None = None) -> WatchState:
        """Start watching the item (watching it already changes nothing).

        Raises:
            NotFound: no such project among the actor's, or no such item in its plan.
        """
        project, item = await self._item(actor, key, entity_type, entity_id, org)
        if not actor.is_system:
            await add_watchers(self.db, project.id, item.type, item.id, [actor.user_id])
            await self.db.commit()
        return await self.state_of(actor, project, item.type, item.id)

    async def unwatch(self, actor: Principal, key: str, entity_type: str, entity_id: str, *,
                      org: str | None = None) -> WatchState:
        """Stop watching the item (not watching it changes nothing).

        Raises:
            NotFound: no such project among the actor's, or no such item in its plan.
        """
        project, item = await self._item(actor, key, entity_type, entity_id, org)
        await self.db.execute(delete(Watch).where(
            Watch.project_id == project.id, Watch.entity_type == item.type, Watch.entity_id == item.id,
            Watch.user_id == actor.user_id))
        await self.db.commit()
        return await self.state_of(actor, project, item.type, item.id)

    async def watch_comment(self, actor: Principal, key: str, comment_id: CommentId, *, watching: bool = True,
                            org: str | None = None) -> WatchState:
        """Watch (or stop watching) the item a comment is about.

        Raises:
            NotFound: no such project among the actor's, or no such comment in it.
        """
        project = await self._project(actor, key, org)
        wanted = as_uuid(comment_id)
        row = None if wanted is None else (await self.db.execute(
            select(Comment.entity_type, Comment.entity_id).where(Comment.id == wanted, Comment.project_id == project.id)
        )).first()
        if row is None:
            raise NotFound(_("%(key)s has no comment %(id)s") % {"key": project.key, "id": shown_id(comment_id)})
        change = self.watch if watching else self.unwatch
        return await change(actor, project.key, row.entity_type, row.entity_id, org=project.organization_slug)

    async def watchers(self, actor: Principal, key: str, entity_type: str, entity_id: str, *,
                       org: str | None = None) -> list[UUID]:
        """The ids of the users watching the item.

        Raises:
            NotFound: no such project among the actor's, or no such item in its plan.
        """
        project, item = await self._item(actor, key, entity_type, entity_id, org)
        return await watchers(self.db, project.id, item.type, item.id)
