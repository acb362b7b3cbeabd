"""A server that goes away: `br sync` queues (exit 3), then delivers exactly once when the server is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from buildrunner.sync.credentials import CredentialStore
from e2e.support import LiveServer
from tests.integration.sync.conftest import br_server, server_plan
from tests.integration.sync.support import FAST_POLICY_YML, Replica, make_project


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A server of this test alone: it is stopped and started again."""
    (tmp_path / "server").mkdir()
    with LiveServer.running(tmp_path / "server") as live:
        yield live


def test_offline_sync_queues_then_delivers_exactly_one_revision(own_server: LiveServer, tmp_path: Path,
                                                                config_dir: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    key = br_server(own_server.data_dir, "api-keys", "create", "--email", "alice@example.com", "--scopes",
                    "plan:read,plan:write,admin").splitlines()[0].strip()
    project = make_project(own_server.url, key, "OFFLINE")
    CredentialStore().save(own_server.url, key)
    replica = Replica(tmp_path / "w", own_server.url, key, project, capsys)
    replica.write_policy(FAST_POLICY_YML)
    assert replica.br("add", "milestone", "M", "--id", "m")[0] == 0
    assert replica.br("add", "step", "S", "-m", "m", "--id", "s")[0] == 0
    replica.link()
    assert replica.br("sync")[0] == 0
    assert replica.br("add", "microstep", "offline edit", "-s", "s", "--id", "off")[0] == 0

    own_server.stop()
    code, out, _ = replica.br("sync")
    assert code == 3 and "cannot reach" in out and "1 change queued" in out
    queue = replica.br_json("queue", "status")
    assert len(queue["entries"]) == 1 and not queue["entries"][0]["failed"]
    assert "1 pending, 0 refused" in replica.br("queue", "status")[1]
    status = replica.br_json("status")["sync"]
    assert status["queued"] == 1 and status["reachable"] is False and status["ahead"] == 1
    code, out, _ = replica.br("sync")  # still down: the same entry stays queued, no second one
    assert code == 3 and len(replica.br_json("queue", "status")["entries"]) == 1

    own_server.start()
    before = server_plan(own_server.url, key, project)[0]
    code, out, err = replica.br("sync")
    assert code == 0, out + err
    server_revisions, plan = server_plan(own_server.url, key, project)
    assert server_revisions == before + 1 and plan == replica.plan and "off" in replica.items()
    assert replica.br_json("queue", "status")["entries"] == []
    assert replica.br("sync")[0] == 0
    assert server_plan(own_server.url, key, project)[0] == server_revisions  # nothing sent twice
    replica.close()
