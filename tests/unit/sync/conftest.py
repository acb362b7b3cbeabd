"""Fixtures of the sync unit tests: an initialised workspace and a linked one (no server involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildrunner.sync.state import Link, SyncStore
from buildrunner.workspace.workspace import Workspace


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace made by `br init`."""
    workspace = Workspace(tmp_path)
    workspace.init("Shop")
    return workspace


@pytest.fixture
def linked(ws: Workspace) -> SyncStore:
    """The sync store of ``ws``, linked to project WEB on a server nobody calls."""
    store = SyncStore(ws)
    store.save(store.new_state(Link(server="http://127.0.0.1:9", project="WEB")))
    return store


@pytest.fixture(autouse=True)
def _config_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Credentials never touch the real home directory."""
    directory = tmp_path_factory.mktemp("config") / "buildrunner"
    monkeypatch.setenv("BR_CONFIG_DIR", str(directory))
    monkeypatch.delenv("BR_API_KEY", raising=False)
    return directory
