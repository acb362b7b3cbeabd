"""Migrations: upgrade from empty on SQLite and PostgreSQL, then no drift; a model change is drift."""

from __future__ import annotations

import sqlalchemy as sa
from advanced_alchemy.base import metadata_registry

from app.db import migrate


def test_upgrade_from_empty_then_models_and_migrations_match(empty_url: str) -> None:
    before = migrate.check(empty_url)
    assert not before.ok and before.current is None
    assert "db upgrade" in before.describe()
    migrate.upgrade(empty_url)
    state = migrate.check(empty_url)
    assert state.ok, state.describe()
    assert state.current == state.head is not None


def test_a_changed_model_is_reported_as_drift(empty_url: str) -> None:
    migrate.upgrade(empty_url)
    changed = sa.MetaData()
    for table in metadata_registry.get(None).tables.values():
        table.to_metadata(changed)
    changed.tables["project"].append_column(sa.Column("archived", sa.Boolean(), nullable=True))
    state = migrate.check(empty_url, metadata=changed)
    assert not state.ok
    assert "models and migrations differ" in state.describe()
    assert any(diff[0] == "add_column" and diff[3].name == "archived" for diff in state.diffs)
