"""A live `br-server` for the sync tests, an admin API key, and a fresh project per test.

The server is e2e's ``LiveServer`` (``br-server run --demo`` on a free port with a temporary ``BR_DATA_DIR``); the
key is made with ``br-server api-keys create`` against the same database, as an operator would.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from buildrunner.sync.credentials import CredentialStore
from e2e.support import LiveServer
from tests.integration.sync.support import Replica, make_project

_counter = itertools.count(1)


def br_server(data_dir: Path, *args: str) -> str:
    """Run a `br-server` command against the live server's database; return its standard output."""
    script = Path(sys.executable).with_name("br-server")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "app"]
    env = {name: value for name, value in os.environ.items() if not name.startswith("BR_")}
    result = subprocess.run([*command, *args], env={**env, "BR_DATA_DIR": str(data_dir)}, capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One live server for the sync tests that do not stop it."""
    with LiveServer.running(tmp_path_factory.mktemp("br-sync-server")) as live:
        yield live


@pytest.fixture(scope="session")
def api_key(server: LiveServer) -> str:
    """An API key of alice (owner of the demo organization acme) that may read, write and create projects."""
    return br_server(server.data_dir, "api-keys", "create", "--email", "alice@example.com",
                     "--scopes", "plan:read,plan:write,admin", "--name", "sync-tests").splitlines()[0].strip()


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private `br` config directory (credentials) for this test."""
    directory = tmp_path / "config"
    monkeypatch.setenv("BR_CONFIG_DIR", str(directory))
    monkeypatch.delenv("BR_API_KEY", raising=False)
    return directory


@pytest.fixture
def project(server: LiveServer, api_key: str) -> str:
    """A new, empty project in organization acme."""
    return make_project(server.url, api_key, f"SYNC{os.getpid()}X{next(_counter)}")


@pytest.fixture
def replicas(tmp_path: Path, server: LiveServer, api_key: str, project: str, config_dir: Path,
             capsys: pytest.CaptureFixture[str]) -> Iterator[list[Replica]]:
    """Three workspaces made by `br init`, logged in; none linked yet."""
    CredentialStore().save(server.url, api_key)
    made = [Replica(tmp_path / name, server.url, api_key, project, capsys) for name in ("a", "b", "c")]
    yield made
    for replica in made:
        replica.close()


def server_plan(url: str, key: str, project: str) -> tuple[int, dict[str, object]]:
    """The server's head revision and plan."""
    response = httpx.get(f"{url}/api/v1/projects/{project}/plan", headers={"Authorization": f"Bearer {key}"})
    response.raise_for_status()
    return int(response.headers["etag"].strip('"')), response.json()
