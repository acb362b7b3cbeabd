"""`br sync` keeps buildrunner/governance/policy.yml and the server project's policy equal: an upload that the
server's policy sends for approval, the approved policy pulled by another workspace, a conflict settled with
`--policy theirs`, and an invalid policy.yml that is never uploaded.

The demo project SHOP is used because its members hold the roles an approval needs (bob is its TechLead); no other
sync test touches its policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from buildrunner.sync.credentials import CredentialStore
from e2e.support import LiveServer
from tests.integration.sync.conftest import br_server
from tests.integration.sync.support import Replica

PROJECT = "SHOP"


def api(server: LiveServer, key: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{server.url}/api/v1/projects/{PROJECT}{path}",
                         headers={"Authorization": f"Bearer {key}"}, timeout=30, **kwargs)


def sync(replica: Replica, *args: str) -> dict[str, Any]:
    report: dict[str, Any] = replica.br_json("sync", *args)
    return report


def edited(replica: Replica, old: str, new: str) -> str:
    text = replica.workspace.policy_path.read_text()
    assert old in text
    changed = text.replace(old, new)
    replica.write_policy(changed)
    return changed


def approve_pending(server: LiveServer, approver_key: str) -> None:
    pending = api(server, approver_key, "GET", "/approvals", params={"status": "pending"}).json()
    policy_requests = [item for item in pending if item["transition"] == "policy_change"]
    assert len(policy_requests) == 1, pending
    answer = api(server, approver_key, "POST", f"/approvals/{policy_requests[0]['id']}/approve", json={})
    assert answer.status_code == 200, answer.text


@pytest.fixture
def bob_key(server: LiveServer) -> str:
    return br_server(server.data_dir, "api-keys", "create", "--email", "bob@example.com",
                     "--scopes", "plan:read,plan:write", "--name", "policy-approver").splitlines()[0].strip()


def test_policy_yml_goes_up_through_approval_and_comes_down_elsewhere(
        tmp_path: Path, server: LiveServer, api_key: str, bob_key: str, config_dir: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    CredentialStore().save(server.url, api_key)
    a, b = (Replica(tmp_path / name, server.url, api_key, PROJECT, capsys) for name in ("a", "b"))
    for replica in (a, b):
        replica.link()
        assert sync(replica)["policy"] == "in_sync"  # br init writes the server's default policy

    ours = edited(a, "min_ms: 500", "min_ms: 400")
    report = sync(a)
    assert report["policy"] == "approval_requested" and report["outcome"] in ("up_to_date", "synced")
    assert api(server, api_key, "GET", "/policy").json()["is_default"] is True  # not applied before approval
    assert sync(a)["policy"] == "awaiting_approval"  # the same text is not sent for approval twice
    approve_pending(server, bob_key)
    assert api(server, api_key, "GET", "/policy").json()["yaml"] == ours
    assert sync(a)["policy"] == "in_sync"

    assert sync(b)["policy"] == "pulled"
    assert b.workspace.policy_path.read_text() == ours

    # Both sides change it: nothing is overwritten until the conflict is settled.
    mine = edited(b, "min_ms: 400", "min_ms: 300")
    theirs = edited(a, "min_ms: 400", "min_ms: 250")
    assert sync(a)["policy"] == "approval_requested"
    approve_pending(server, bob_key)
    conflict = sync(b)
    assert conflict["policy"] == "conflict" and "--policy theirs" in conflict["policy_message"]
    assert b.workspace.policy_path.read_text() == mine
    assert sync(b, "--policy", "theirs")["policy"] == "pulled"
    assert b.workspace.policy_path.read_text() == theirs

    # A policy.yml with findings stops the sync here, naming the finding; nothing is uploaded.
    b.write_policy(theirs + "sync_backof: {}\n")
    code, _, err = b.br("sync")
    assert code == 1 and "POL005 sync_backof: unknown key 'sync_backof'" in err and "Traceback" not in err
    assert api(server, api_key, "GET", "/policy").json()["yaml"] == theirs
    for replica in (a, b):
        replica.close()
