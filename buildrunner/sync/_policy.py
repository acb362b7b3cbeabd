"""The policy half of `br sync`: ``buildrunner/governance/policy.yml`` and the server project's policy, kept equal.

The policy is one YAML document, not a tree of items, so it is synced whole, three ways by content hash: the base is
the text both sides last agreed on (``policy_hash`` in sync.json).

- Same text on both sides: in sync (the base moves to it).
- Only the server's changed (or there is no local file): the server's text is written to policy.yml.
- Only the local file changed: it is uploaded (a sync has already validated it: it reads its retry settings from
  it, and refuses to start on a policy with findings; the server validates it again). The server
  applies it, or, when its policy governs policy changes, opens an approval request (202); the upload is then
  remembered (``policy_pending``) and not repeated while the same text waits.
- Both changed, differently: a conflict. Nothing is overwritten; ``br sync --policy ours|theirs`` settles it.

A refusal (the caller's role may not change the policy, findings) is reported and never stops the plan's sync.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Literal

import msgspec

from buildrunner.sync.errors import AuthError, PushRejectedError
from buildrunner.workspace.files import atomic_write

if TYPE_CHECKING:
    from buildrunner.sync._steps import RunBase

__all__ = ["PolicyChoice", "PolicyReport", "sync_policy"]

PolicyChoice = Literal["ours", "theirs"]
PolicyOutcome = Literal["in_sync", "pulled", "pushed", "approval_requested", "awaiting_approval", "conflict",
                        "refused"]


class PolicyReport(msgspec.Struct, kw_only=True):
    """What the policy step did, with a sentence for people."""

    outcome: PolicyOutcome
    message: str


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sync_policy(run: RunBase, choice: PolicyChoice | None = None) -> PolicyReport:
    """Bring policy.yml and the server's policy together (see the module docstring); the caller saves the state.

    ``run.options`` applies: a ``--pull`` sync never uploads, a ``--push`` sync never writes policy.yml, a dry run
    changes nothing.
    """
    state, path = run.state, run.workspace.policy_path
    server = run.calls.call(run.get_client, lambda c: c.get_policy())
    remote = str(server.get("yaml", "")).encode("utf-8")
    remote_hash, is_default = _hash(remote), bool(server.get("is_default"))
    local = path.read_bytes() if path.is_file() else None
    local_hash = _hash(local) if local is not None else None
    base = state.policy_hash
    if local_hash == remote_hash:
        state.policy_hash, state.policy_pending = remote_hash, ""
        return PolicyReport(outcome="in_sync", message="policy.yml is the server's policy")
    local_changed = local_hash is not None and local_hash != base
    # A server still on the default policy has no edit of its own to keep: a repository's policy.yml wins.
    remote_changed = remote_hash != base and not (is_default and not base)
    if choice == "theirs" or (not local_changed and (remote_changed or local is None)):
        if not run.options.pull:
            return PolicyReport(outcome="in_sync", message="the server's policy changed; `br sync` brings it here")
        return _pull(run, remote, remote_hash)
    if choice != "ours" and local_changed and remote_changed:
        return PolicyReport(outcome="conflict", message=(
            "policy.yml changed here and on the server; keep yours with `br sync --policy ours` (an upload, which "
            "the server may send for approval) or take the server's with `br sync --policy theirs`"))
    if local is None or local_hash is None:  # not reached: no local file pulls above
        return PolicyReport(outcome="in_sync", message="no policy.yml")
    if not run.options.push:
        return PolicyReport(outcome="in_sync", message="policy.yml changed here; `br sync` uploads it")
    return _push(run, local, local_hash)


def _pull(run: RunBase, remote: bytes, remote_hash: str) -> PolicyReport:
    if not run.options.dry_run:
        atomic_write(run.workspace.policy_path, remote)
        run.state.policy_hash, run.state.policy_pending = remote_hash, ""
    return PolicyReport(outcome="pulled", message="policy.yml now holds the server's policy")


def _push(run: RunBase, local: bytes, local_hash: str) -> PolicyReport:
    state = run.state
    if state.policy_pending == local_hash:
        return PolicyReport(outcome="awaiting_approval",
                            message="your policy.yml change waits for approval on the server")
    if run.options.dry_run:
        return PolicyReport(outcome="pushed", message="policy.yml would be uploaded")
    try:
        status, body = run.calls.call(run.get_client, lambda c: c.put_policy(local, run.options.message))
    except (AuthError, PushRejectedError) as exc:
        return PolicyReport(outcome="refused", message=f"policy.yml was not uploaded: {exc}")
    if status == 409:
        state.policy_pending = local_hash
        return PolicyReport(outcome="awaiting_approval",
                            message="your policy.yml change already waits for approval on the server")
    if status == 202:
        state.policy_pending = local_hash
        approval = body.get("id", "") if isinstance(body, dict) else ""
        return PolicyReport(outcome="approval_requested", message=(
            f"policy.yml was uploaded; the server opened approval request {approval} and applies it once approved"))
    state.policy_hash, state.policy_pending = local_hash, ""
    return PolicyReport(outcome="pushed", message="policy.yml is now the server's policy")

