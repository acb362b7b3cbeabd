"""The permission matrix: deny by default, API-key scopes narrow a role, the docs table lists every cell."""

from __future__ import annotations

from uuid import uuid4

import pytest

from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import MATRIX, PROJECT_ROLES, Action, allowed, matrix_markdown


def person(**extra: object) -> Principal:
    return Principal(user_id=uuid4(), email="p@example.com", **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("action", list(Action))
def test_no_role_means_no_access(action: Action) -> None:
    assert not allowed(person(), None, action)
    assert not allowed(person(), "Boss", action)  # type: ignore[arg-type]


def test_roles_grant_exactly_their_actions() -> None:
    for role in PROJECT_ROLES:
        for action in Action:
            assert allowed(person(), role, action) == (action in MATRIX[role])
    assert MATRIX["PM"] == frozenset(Action)
    assert MATRIX["Viewer"] == {Action.VIEW_PLAN}


def test_key_scopes_narrow_the_role() -> None:
    reader = person(via="api_key", scopes=frozenset({"plan:read"}))
    assert allowed(reader, "PM", Action.VIEW_PLAN)
    assert not allowed(reader, "PM", Action.CHANGE_STATUS)
    admin = person(via="api_key", scopes=frozenset({"admin"}))
    assert allowed(admin, "PM", Action.MANAGE_MEMBERS)
    assert not allowed(admin, "Viewer", Action.EDIT_PLAN)


def test_markdown_table_has_a_row_per_action() -> None:
    table = matrix_markdown().splitlines()
    assert len(table) == 2 + len(Action)
    assert table[0].startswith("| Action | PM | TechLead | QA | Contributor | Viewer |")
