"""Who may see and resolve a real conflict-log entry: the matrix's ``view plan`` and ``edit plan``, per role
(the authorization matrix test can only reach these routes with an entry that does not exist)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.projects.permissions import MATRIX, Action
from tests.integration.api.conftest import fingerprint, key_caller
from tests.integration.conftest import Client, World
from tests.integration.projects.sync_helpers import WEB, edited, put, with_plan


async def test_viewing_needs_view_plan_and_resolving_edit_plan(client: Client, db: AsyncSession,
                                                                world: World) -> None:
    callers = await with_plan(db, world)
    assert (await put(client, callers.bob, edited({"ms-111": {"title": "Bob's"}}), '"1"')).status_code == 200
    problem = (await put(client, callers.alice, edited({"ms-111": {"title": "Alice's"}}), '"1"')).json()
    entry = f"{WEB}/conflicts/{problem['conflict_id']}"
    choice = {"resolutions": {problem["conflicts"][0]["id"]: {"choice": "theirs"}}}
    roles = {"PM": world.alice, "TechLead": world.bob, "QA": world.carol, "Viewer": world.dan}
    people = {role: (await key_caller(db, role, person, "plan:read", "plan:write")).headers
              for role, person in roles.items()}
    reader = (await key_caller(db, "reader", world.alice, "plan:read")).headers
    for role, headers in people.items():
        assert (await client.get(entry, headers=headers)).status_code == 200, role
    for headers, status in (({}, 401), (callers.eve, 404)):
        assert (await client.get(entry, headers=headers)).status_code == status
        assert (await client.get(f"{WEB}/conflicts", headers=headers)).status_code == status
    before = await fingerprint(db)
    refused = [(role, people[role]) for role in people if Action.EDIT_PLAN not in MATRIX[role]]
    assert [role for role, _ in refused] == ["QA", "Viewer"]
    for label, headers, status in (*((role, h, 403) for role, h in refused), ("read-only key", reader, 403),
                                   ("anonymous", {}, 401), ("other organization", callers.eve, 404)):
        answer = await client.post(f"{entry}/resolve", json=choice, headers=headers)
        assert answer.status_code == status, (label, answer.text)
    assert await fingerprint(db) == before
    resolved = await client.post(f"{entry}/resolve", json=choice, headers=people["TechLead"])
    assert resolved.status_code == 200 and resolved.json()["conflict"]["resolved_by"] == "bob@example.com"
