"""Helpers of the sync integration tests: a workspace replica driven through `br`, and server-side checks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from buildrunner.cli import main
from buildrunner.governance import CircuitBreaker, Policy, SyncBackoff
from buildrunner.spec.document import PlanDocument, encode_plan
from buildrunner.sync.client import SyncClient
from buildrunner.sync.engine import SyncEngine
from buildrunner.sync.report import SyncOptions, SyncReport
from buildrunner.workspace.workspace import Workspace
from tests.unit.support import items_by_id

#: Fast retries for tests: a down server is given up on in a few milliseconds.
FAST_POLICY = Policy(sync_backoff=SyncBackoff(min_ms=5, max_ms=20, factor=2, jitter=True, max_attempts=3),
                     circuit_breaker=CircuitBreaker(failure_threshold=50, success_threshold=1, cooldown_ms=0,
                                                    half_open_max_calls=1))

FAST_POLICY_YML = """\
version: 1
sync_backoff: {min_ms: 5, max_ms: 20, factor: 2, jitter: true, max_attempts: 3}
circuit_breaker: {failure_threshold: 50, success_threshold: 1, cooldown_ms: 1, half_open_max_calls: 1}
"""


def make_project(url: str, key: str, project_key: str) -> str:
    """Create an empty project in organization acme and return its key."""
    response = httpx.post(f"{url}/api/v1/projects", headers={"Authorization": f"Bearer {key}"},
                          json={"org": "acme", "key": project_key, "name": f"Sync test {project_key}"})
    assert response.status_code in (200, 201), response.text
    return project_key


def br_script() -> list[str]:
    """The `br` console script next to this interpreter."""
    script = Path(sys.executable).with_name("br")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from buildrunner.cli import run; run()"]


class Replica:
    """One workspace: `br` in-process (with captured output), or the sync engine in-process."""

    def __init__(self, root: Path, url: str, api_key: str, project: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.root, self.url, self.api_key, self.project, self.capsys = root, url, api_key, project, capsys
        root.mkdir(parents=True, exist_ok=True)
        self.workspace = Workspace(root)
        self.workspace.init("Replica " + root.name)
        self._client: SyncClient | None = None

    def br(self, *args: str) -> tuple[int, str, str]:
        """Run `br` in-process against this workspace."""
        self.capsys.readouterr()
        code = main([*args, "--root", str(self.root)])
        out, err = self.capsys.readouterr()
        return code, out, err

    def br_json(self, *args: str) -> Any:
        _, out, err = self.br(*args, "--json")
        assert out, err
        return json.loads(out)

    def subprocess(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """Run `br` as a separate process (its own interpreter)."""
        return subprocess.run([*br_script(), *args, "--root", str(self.root)], capture_output=True, text=True,
                              timeout=timeout, env=dict(os.environ), check=False)

    def link(self) -> None:
        code, _, err = self.br("link", self.project, "--server", self.url)
        assert code == 0, err

    def engine(self, policy: Policy | None = None) -> SyncEngine:
        """The sync engine, in-process, with a kept-open client (fast: no interpreter start, one pool)."""
        if self._client is None:
            self._client = SyncClient(self.url, self.api_key, self.project)
        return SyncEngine(self.workspace, client=self._client, policy=policy or FAST_POLICY)

    def sync(self, **options: Any) -> SyncReport:
        return self.engine().run(SyncOptions(**options))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    @property
    def plan(self) -> dict[str, Any]:
        return dict(json.loads(self.workspace.plan_path.read_text()))

    def items(self) -> dict[str, dict[str, Any]]:
        return items_by_id(self.plan.get("milestones", []))

    def edit(self, change: Any) -> None:
        """Edit plan.json by hand (an editor): no lock, no validation, just the file."""
        document = PlanDocument.from_bytes(self.workspace.plan_path.read_bytes())
        change(document.raw)
        self.workspace.plan_path.write_bytes(encode_plan(document.raw))

    def write_policy(self, text: str) -> None:
        self.workspace.policy_path.write_text(text)
