"""The comments tests' world: acme's WEB project with the demo plan, a person in every role, a team, and a second
"alice" (so that ``@alice`` is ambiguous once she joins the project), plus a recorder of published events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from uuid import UUID

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import CommentCreate, CommentInfo, EntityType
from app.domain.comments.services import CommentEvent, CommentService
from app.domain.orgs.services import OrgService
from app.domain.projects.services import PlanService, ProjectService
from app.domain.teams.services import TeamService
from app.lib import events
from tests.integration.conftest import World, make_user, plan_bytes

__all__ = ["Crew", "Recorder", "say"]


@dataclass
class Crew:
    """World plus cody (Contributor) and the ``frontend`` team (bob, cody) of acme; WEB has the demo plan."""

    world: World
    cody: Principal

    @property
    def alice(self) -> Principal:
        return self.world.alice

    @property
    def bob(self) -> Principal:
        return self.world.bob

    @property
    def carol(self) -> Principal:
        return self.world.carol

    @property
    def dan(self) -> Principal:
        return self.world.dan

    @property
    def eve(self) -> Principal:
        return self.world.eve


@pytest.fixture
async def crew(db: AsyncSession, world: World) -> Crew:
    """The world with cody the Contributor, the frontend team and WEB's plan at revision 1."""
    cody = await make_user(db, "cody@example.com", "Cody")
    await OrgService(db).add_member(world.alice, "acme", "cody@example.com", "member")
    await ProjectService(db).set_member(world.alice, "WEB", "cody@example.com", "Contributor")
    await PlanService(db).save(world.alice, "WEB", plan_bytes(), expected_revision=0)
    teams = TeamService(db)
    await teams.create(world.bob, "acme", "frontend", "Front end")
    await teams.add_member(world.bob, "acme", "frontend", "cody@example.com")
    return Crew(world=world, cody=cody)


@dataclass
class Recorder:
    """The ``comment.*`` events published while a test runs."""

    seen: list[CommentEvent] = field(default_factory=list)

    async def __call__(self, event: events.DomainEvent) -> None:
        assert isinstance(event, CommentEvent)
        self.seen.append(event)

    def names(self) -> list[str]:
        return [event.name for event in self.seen]


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """Subscribe a recorder to ``comment.*`` for the test."""
    recording = Recorder()
    unsubscribe = events.subscribe(recording, prefix="comment.")
    yield recording
    unsubscribe()


async def say(db: AsyncSession, who: Principal, body: str, *, entity_id: str = "ms-212",
              entity_type: EntityType = "microstep", parent: UUID | None = None) -> CommentInfo:
    """Post a comment as ``who`` through the service."""
    data = CommentCreate(entity_type=entity_type, entity_id=entity_id, body=body, parent_id=parent)
    return await CommentService(db).create(who, "WEB", data)
