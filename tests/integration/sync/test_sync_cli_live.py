"""`br login`, `br link`, `br sync`, `br conflicts`/`br resolve` and `br queue status` against a live server."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path
from typing import Any

from buildrunner.sync.credentials import CredentialStore
from e2e.support import LiveServer
from tests.integration.sync.conftest import server_plan
from tests.integration.sync.support import Replica, br_script


def add_items(replica: Replica, prefix: str) -> None:
    assert replica.br("add", "milestone", "M", "--id", f"{prefix}m")[0] == 0
    assert replica.br("add", "step", "S", "-m", f"{prefix}m", "--id", f"{prefix}s")[0] == 0
    for name in ("one", "two"):
        assert replica.br("add", "microstep", name, "-s", f"{prefix}s", "--id", f"{prefix}{name}", "-c", "ok")[0] == 0


def login(config: Path, url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([*br_script(), "login", "--server", url, *args], input=stdin, capture_output=True,
                          text=True, timeout=60, env={"BR_CONFIG_DIR": str(config), "PATH": "/usr/bin:/bin"},
                          check=False)


def test_login_refuses_a_bad_key_stores_a_good_one_0600_and_never_prints_it(server: LiveServer, api_key: str,
                                                                            config_dir: Path) -> None:
    refused = login(config_dir, server.url, stdin="br_00000000_not-a-real-key\n")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.startswith(f"br: error: {server.url} refused the API key (401")
    assert "Traceback" not in refused.stderr and not (config_dir / "credentials.json").exists()
    accepted = login(config_dir, server.url + "/", stdin=api_key + "\n")
    assert accepted.returncode == 0, accepted.stderr
    assert f"logged in to {server.url}:" in accepted.stdout
    stored = config_dir / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600 and stat.S_IMODE(config_dir.stat().st_mode) == 0o700
    assert CredentialStore(config_dir).api_key(server.url) == api_key
    again = login(config_dir, server.url, "--api-key", api_key)
    assert again.returncode == 0
    for result in (refused, accepted, again):
        assert api_key not in result.stdout + result.stderr
    logout = subprocess.run([*br_script(), "logout", "--server", server.url], capture_output=True, text=True,
                            env={"BR_CONFIG_DIR": str(config_dir)}, timeout=60, check=False)
    assert logout.returncode == 0 and "logged out" in logout.stdout
    assert CredentialStore(config_dir).api_key(server.url) is None


def test_link_checks_the_project_exists(replicas: list[Replica]) -> None:
    a = replicas[0]
    code, _, err = a.br("link", "NOPE", "--server", a.url)
    assert code == 1 and f"{a.url}: project NOPE was not found" in err
    assert not (a.workspace.base / "state" / "sync.json").exists()
    code, out, _ = a.br("link", a.project)  # the only server logged in to
    assert code == 0 and f"linked to {a.project} on {a.url} (server revision 0)" in out
    assert a.br("link", a.project)[1].startswith("already linked")
    code, _, err = a.br("link", "OTHER", "--server", a.url)
    assert code == 1  # checked on the server before anything else: OTHER does not exist


def test_first_push_then_a_second_workspace_gets_the_plan(replicas: list[Replica]) -> None:
    a, b, _ = replicas
    add_items(a, "a")
    a.link()
    code, out, err = a.br("sync")
    assert code == 0, err
    assert out.startswith(f"synced {a.project} at revision 1")
    revision, plan = server_plan(a.url, a.api_key, a.project)
    assert revision == 1 and plan == a.plan
    b.link()
    assert b.br("sync")[0] == 0
    assert b.plan == a.plan  # a fresh `br init` plan takes the server's project fields and items
    assert server_plan(a.url, a.api_key, a.project)[0] == 1  # pulling made no revision


def test_edits_of_different_microsteps_in_two_workspaces_reach_everyone(replicas: list[Replica]) -> None:
    a, b, _ = replicas
    add_items(a, "a")
    for replica in (a, b):
        replica.link()
        assert replica.br("sync")[0] == 0
    assert a.br("set-status", "aone", "in_progress")[0] == 0
    assert b.br("set-status", "atwo", "blocked")[0] == 0
    assert b.br("add", "microstep", "three", "-s", "as", "--id", "bthree")[0] == 0
    for replica in (a, b, a):
        assert replica.br("sync")[0] == 0
    assert a.plan == b.plan == server_plan(a.url, a.api_key, a.project)[1]
    items = a.items()
    assert items["aone"]["status"] == "in_progress" and items["atwo"]["status"] == "blocked" and "bthree" in items


def test_same_field_changed_two_ways_is_a_conflict_settled_with_theirs(replicas: list[Replica]) -> None:
    a, b, _ = replicas
    add_items(a, "a")
    for replica in (a, b):
        replica.link()
        assert replica.br("sync")[0] == 0

    def rename(title: str) -> Any:
        return lambda raw: raw["milestones"][0]["steps"][0]["microsteps"][0].update(title=title)

    a.edit(rename("From A"))
    b.edit(rename("From B"))
    assert a.br("sync")[0] == 0
    code, out, _ = b.br("sync")
    assert code == 4 and "1 conflict with server revision" in out
    assert b.items()["aone"]["title"] == "From B"  # kept locally until settled
    listing = b.br_json("conflicts")["conflicts"]
    assert [(c["path"], c["base"], c["local"], c["remote"]) for c in listing] == [
        ("microstep[aone].title", "one", "From B", "From A")]
    code, out, _ = b.br("conflicts")
    assert listing[0]["id"] in out and '"From A"' in out
    assert b.br_json("status")["sync"]["conflicts"] == 1
    assert b.br("sync")[0] == 4  # nothing moves until it is settled
    assert b.br("resolve", listing[0]["id"], "--theirs")[0] == 0
    assert b.br("sync")[0] == 0
    assert a.br("sync")[0] == 0
    assert a.plan == b.plan == server_plan(a.url, a.api_key, a.project)[1]
    assert a.items()["aone"]["title"] == "From A"


def test_dry_run_shows_both_directions_and_changes_nothing(replicas: list[Replica]) -> None:
    a, b, _ = replicas
    add_items(a, "a")
    for replica in (a, b):
        replica.link()
        assert replica.br("sync")[0] == 0
    assert a.br("set-status", "aone", "review")[0] == 0
    assert a.br("sync")[0] == 0
    assert b.br("add", "microstep", "new", "-s", "as", "--id", "bnew")[0] == 0
    files = [b.workspace.plan_path, b.workspace.base / "state" / "sync.json"]
    before = [path.read_bytes() for path in files]
    revision = server_plan(a.url, a.api_key, a.project)[0]
    code, out, _ = b.br("sync", "--dry-run")
    assert code == 0 and out.startswith("dry run against revision")
    assert "plan.json would change:\n    changed: aone (status" in out  # and updated_at, unless in the same second
    assert f"the server ({b.project}) would get:\n    added: bnew" in out
    report = b.br_json("sync", "--dry-run")
    assert report["outcome"] == "dry_run" and report["pulled"]["changed"]["aone"][0] == "status"
    assert report["pushed"]["added"] == ["bnew"]
    assert [path.read_bytes() for path in files] == before
    assert server_plan(a.url, a.api_key, a.project)[0] == revision


def test_a_refused_change_waits_for_retry_failed(replicas: list[Replica]) -> None:
    a = replicas[0]
    add_items(a, "a")
    a.link()
    assert a.br("sync")[0] == 0
    a.edit(lambda raw: raw["milestones"][0]["steps"][0]["microsteps"][0].update(depends_on=["ghost"]))
    code, out, _ = a.br("sync")
    assert code == 1 and "the server refused the change" in out and "--retry-failed" in out
    queue = a.br_json("queue", "status")
    assert [entry["failed"] for entry in queue["entries"]] == [True]
    assert "refused" in a.br("queue", "status")[1]
    assert a.br("sync")[0] == 1  # still refused: not sent again
    a.edit(lambda raw: raw["milestones"][0]["steps"][0]["microsteps"][0].update(depends_on=[]))
    code, _, err = a.br("sync", "--retry-failed")
    assert code == 0, err
    assert a.br_json("queue", "status")["entries"] == []
    assert server_plan(a.url, a.api_key, a.project)[1] == a.plan


def test_json_outputs(replicas: list[Replica]) -> None:
    a = replicas[0]
    add_items(a, "a")
    a.link()
    report = a.br_json("sync")
    assert report["outcome"] == "synced" and report["revisions_created"] == [1] and report["base_revision"] == 1
    assert report["pushed"]["added"] == ["am", "as", "aone", "atwo"] and report["queued"] == 0
    assert a.br_json("sync")["outcome"] == "up_to_date"
    status = a.br_json("status")["sync"]
    assert status["project"] == a.project and status["ahead"] == 0 and status["reachable"] is True
    checked = a.br_json("status", "--check-server")["sync"]
    assert checked["remote_revision"] == 1 and checked["behind"] == 0
    assert a.br_json("queue", "status")["circuit"]["state"] == "closed"
    assert json.loads(a.subprocess("sync", "--pull", "--json").stdout)["outcome"] == "up_to_date"


def test_a_push_the_server_cannot_merge_surfaces_the_conflict_locally(replicas: list[Replica]) -> None:
    a, b, _ = replicas
    add_items(a, "a")
    for replica in (a, b):
        replica.link()
        assert replica.br("sync")[0] == 0
    a.edit(lambda raw: raw["milestones"][0].update(title="Milestone A"))
    b.edit(lambda raw: raw["milestones"][0].update(title="Milestone B"))
    assert a.br("sync")[0] == 0
    revision = server_plan(a.url, a.api_key, a.project)[0]
    code, out, _ = b.br("sync", "--push")  # no pull first: the server's merge conflicts (409)
    assert code == 4 and "1 conflict" in out
    assert [c["path"] for c in b.br_json("conflicts")["conflicts"]] == ["milestone[am].title"]
    assert b.br_json("queue", "status")["entries"] == []  # the refused push is not kept: the conflict is
    assert server_plan(a.url, a.api_key, a.project)[0] == revision
    conflict = b.br_json("conflicts")["conflicts"][0]["id"]
    assert b.br("resolve", conflict, "--ours")[0] == 0
    assert b.br("sync")[0] == 0 and a.br("sync")[0] == 0
    assert a.plan == b.plan and a.plan["milestones"][0]["title"] == "Milestone B"


def test_a_large_first_push_travels_gzip_compressed_and_arrives_whole(replicas: list[Replica]) -> None:
    from buildrunner.sync.client import GZIP_ABOVE  # noqa: PLC0415

    a, b, _ = replicas
    add_items(a, "big")

    def grow(plan: dict[str, Any]) -> None:
        step = plan["milestones"][0]["steps"][0]
        step["microsteps"] += [{"id": f"ms-big-{n}", "title": f"generated microstep {n} " + "x" * 200,
                                "acceptance_criteria": [{"id": "ac1", "text": "it works " * 20, "met": False}]}
                               for n in range(400)]

    a.edit(grow)
    assert a.workspace.plan_path.stat().st_size > 2 * GZIP_ABOVE
    a.link()
    code, _, err = a.br("sync")
    assert code == 0, err
    revision, plan = server_plan(a.url, a.api_key, a.project)
    assert revision == 1 and plan == a.plan
    b.link()
    assert b.br("sync")[0] == 0 and b.plan == a.plan
