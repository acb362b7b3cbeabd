"""Load a policy file: defaults when it is missing, :class:`PolicyError` listing the findings when invalid."""

from __future__ import annotations

from pathlib import Path

from buildrunner.errors import BrError, WorkspaceError
from buildrunner.governance._findings import Finding
from buildrunner.governance.model import Policy
from buildrunner.governance.validate import MAX_POLICY_BYTES, decode_policy

__all__ = ["PolicyError", "load_policy", "read_policy_bytes"]


class PolicyError(BrError):
    """The policy file is invalid; ``findings`` says where and why."""

    def __init__(self, path: Path | str, findings: list[Finding]) -> None:
        self.path = str(path)
        self.findings = findings
        shown = "; ".join(f"{f.line}:{f.column} {f.code} {f.path}: {f.message}" for f in findings[:3])
        more = f" (and {len(findings) - 3} more)" if len(findings) > 3 else ""
        super().__init__(f"{path} is not a valid policy: {shown}{more}; run `br governance validate` for details")


def load_policy(path: Path) -> Policy:
    """Read and validate a policy file.

    Args:
        path: the ``policy.yml`` to read; when it does not exist, every section takes its default.

    Returns:
        The typed policy.

    Raises:
        PolicyError: when the file is not a valid policy (too large, bad YAML, wrong types, ...).
        WorkspaceError: when the file exists but cannot be read.
    """
    data = read_policy_bytes(path)
    if data is None:
        return Policy()
    policy, findings = decode_policy(data)
    if policy is None:
        raise PolicyError(path, findings)
    return policy


def read_policy_bytes(path: Path) -> bytes | None:
    """The file's bytes (at most one byte over the size limit, so that a huge file is refused cheaply), or None
    when it does not exist.

    Raises:
        WorkspaceError: when the file exists but cannot be read.
    """
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_POLICY_BYTES + 1)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise WorkspaceError(f"{path} is a directory, expected a policy file") from None
    except OSError as exc:
        raise WorkspaceError(f"cannot read {path}: {exc.strerror}") from None
