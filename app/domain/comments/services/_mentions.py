"""Mentions: from the ``@`` names in a comment to the users they name, and suggestions while typing.

``@alice`` names the person of the project whose email's local part is ``alice`` (``@alice@example.com`` names
an exact address, for when two people share a local part); ``@role:QA`` everyone whose role in the project is QA;
``@team:frontend`` the members of the organization's team ``frontend`` who can see the project. Only people who can
see the project are ever mentioned. A name that matches nobody stays plain text; one that matches several is refused
with the addresses to choose from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Final
from uuid import UUID

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.comments.services._people import Person, people_of
from app.domain.projects.permissions import PROJECT_ROLES
from app.domain.projects.schemas import ProjectAccess
from app.domain.projects.services import ProjectService
from app.domain.teams.services import TeamService
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.markdown import Mention
from app.lib.text import reject_nul

__all__ = ["MAX_SUGGESTIONS", "MentionResolver", "Resolved", "Suggestion"]

MAX_SUGGESTIONS: Final = 8


class Resolved(msgspec.Struct, frozen=True, kw_only=True):
    """The mentions that named someone (shown as badges) and each mentioned user with the first mention naming them."""

    known: frozenset[Mention]
    users: dict[UUID, str]


class Suggestion(msgspec.Struct, frozen=True, kw_only=True):
    """A completion for the text after ``@``: ``value`` is inserted (``@alice``), ``label`` is shown."""

    value: str
    label: str
    kind: str


class MentionResolver:
    """Resolves mentions within one project."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.teams = TeamService(db)

    async def resolve(self, project: ProjectAccess, mentions: Sequence[Mention], *, author: UUID | None) -> Resolved:
        """The users ``mentions`` name in ``project`` (the author is never among them).

        Raises:
            ValidationFailed: ``@name`` matches several people; the message lists their addresses.
        """
        if not mentions:
            return Resolved(known=frozenset(), users={})
        people = await people_of(self.db, project)
        known: set[Mention] = set()
        users: dict[UUID, str] = {}
        for mention in mentions:
            named = await self._named(project, people, mention)
            if named is None:
                continue
            known.add(mention)
            for user_id in named:
                if user_id != author:
                    users.setdefault(user_id, mention.text)
        return Resolved(known=frozenset(known), users=users)

    async def _named(self, project: ProjectAccess, people: list[Person], mention: Mention) -> list[UUID] | None:
        if mention.kind == "role":
            role = next((known for known in PROJECT_ROLES if known.lower() == mention.value.lower()), None)
            return None if role is None else [person.user_id for person in people if person.role == role]
        if mention.kind == "team":
            members = await self.teams.member_ids(project.organization_id, mention.value)
            if members is None:
                return None
            visible = {person.user_id for person in people}
            return [user_id for user_id in members if user_id in visible]
        if "@" in mention.value:
            return [person.user_id for person in people if person.email == mention.value] or None
        matches = [person for person in people if person.handle == mention.value]
        if len(matches) > 1:
            choices = ", ".join(f"@{person.email}" for person in matches)
            raise ValidationFailed("body", _("%(mention)s matches several people (%(choices)s); write the full "
                                             "address to name one") % {"mention": mention.text, "choices": choices})
        return [matches[0].user_id] if matches else None

    async def suggestions(self, actor: Principal, key: str, query: str, *, org: str | None = None) -> list[Suggestion]:
        """Completions for ``query`` in the project ``key`` (see :meth:`suggest`).

        Raises:
            NotFound: no such project among the actor's. ValidationFailed: NUL in the query.
        """
        reject_nul("q", query)
        return await self.suggest(await ProjectService(self.db).get(actor, key, org=org), query)

    async def suggest(self, project: ProjectAccess, query: str) -> list[Suggestion]:
        """Up to eight completions for ``query`` (the text typed after ``@``): people, then roles, then teams."""
        text = query.strip().lstrip("@").lower()[:100]
        if text.startswith("role:"):
            return _roles(text[5:])
        if text.startswith("team:"):
            return await self._teams(project, text[5:])
        people = await people_of(self.db, project)
        handles = _handle_counts(people)
        found = [
            Suggestion(value=f"@{person.handle}" if handles[person.handle] == 1 else f"@{person.email}",
                       label=f"{person.name} ({person.email})" if person.name else person.email, kind="user")
            for person in people
            if person.email.startswith(text) or person.name.lower().startswith(text)
            or any(part.startswith(text) for part in person.name.lower().split())
        ]
        extra = _roles(text) + await self._teams(project, text)
        return (found + extra)[:MAX_SUGGESTIONS]

    async def _teams(self, project: ProjectAccess, prefix: str) -> list[Suggestion]:
        rows = await self.teams.slugs(project.organization_id, prefix, MAX_SUGGESTIONS)
        return [Suggestion(value=f"@team:{slug}", label=_("Team %(name)s") % {"name": name}, kind="team")
                for slug, name in rows]


def _roles(prefix: str) -> list[Suggestion]:
    return [Suggestion(value=f"@role:{role}", label=_("Everyone with the role %(role)s") % {"role": role},
                       kind="role")
            for role in PROJECT_ROLES if role.lower().startswith(prefix)]


def _handle_counts(people: Iterable[Person]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for person in people:
        counts[person.handle] = counts.get(person.handle, 0) + 1
    return counts
