"""The BuildRunner files in a user's repository: plan, runner state and governance policy."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from buildrunner.errors import SpecError, WorkspaceError
from buildrunner.spec.document import PlanDocument, decode_plan, encode_plan, utc_now
from buildrunner.spec.lint import check_semantics
from buildrunner.spec.model import SPEC_VERSION, Plan
from buildrunner.spec.views import PlanView
from buildrunner.workspace.files import atomic_write, locked, read_bytes

DIR_NAME = "buildrunner"
PLAN_PATH = Path("specs/plan.json")
STATE_PATH = Path("state/runner_state.json")
POLICY_PATH = Path("governance/policy.yml")
LOCK_PATH = Path("state/.lock")

DEFAULT_POLICY = """\
# BuildRunner governance policy. Reference: docs/policy.md
# Check it with `br governance validate`. Every section is optional; a missing one takes its defaults.
# More sections: rate_limits, previews, integrations, i18n, accessibility, evals, optimization,
# design_system, public_launch.
version: 1

# Who may move a microstep to a status, and whether every acceptance criterion must be met first.
status_gates:
  done:
    roles: [QA, TechLead]
    require_all_criteria_met: true

# Transitions that need an approval, and the roles that may give it.
approvals:
  milestone_completion: [TechLead]
  policy_change: [TechLead]

analytics:
  budget_alert_threshold: 500.00
  cost_spike_threshold: 50
  quality_drop_threshold: 20
  require_anomaly_review: true
  max_daily_cost: 50.00
  enforcement: soft

sync_backoff:
  min_ms: 500
  max_ms: 30000
  factor: 2
  jitter: true
  max_attempts: 5

circuit_breaker:
  failure_threshold: 5
  success_threshold: 3
  cooldown_ms: 60000
  half_open_max_calls: 3
"""


def find_root(start: Path) -> Path | None:
    """Return the nearest directory at or above ``start`` that holds a ``buildrunner/`` directory."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / DIR_NAME).is_dir():
            return candidate
    return None


@dataclass(frozen=True)
class Workspace:
    """A repository root holding ``buildrunner/``."""

    root: Path

    @classmethod
    def discover(cls, root: Path | None = None) -> Workspace:
        """Use ``root`` if given, else the nearest parent of the current directory holding ``buildrunner/``.

        Raises:
            WorkspaceError: when no workspace is found.
        """
        if root is not None:
            if not (root / DIR_NAME).is_dir():
                raise WorkspaceError(f"{root} holds no {DIR_NAME}/ directory; run `br init --root {root}`")
            return cls(root.resolve())
        found = find_root(Path.cwd())
        if found is None:
            raise WorkspaceError(f"no {DIR_NAME}/ directory here or in any parent; run `br init` to create one")
        return cls(found)

    @property
    def base(self) -> Path:
        """The ``buildrunner/`` directory."""
        return self.root / DIR_NAME

    @property
    def plan_path(self) -> Path:
        """Path of ``plan.json``."""
        return self.base / PLAN_PATH

    @property
    def state_path(self) -> Path:
        """Path of ``runner_state.json``."""
        return self.base / STATE_PATH

    @property
    def policy_path(self) -> Path:
        """Path of ``policy.yml``."""
        return self.base / POLICY_PATH

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the workspace write lock."""
        with locked(self.base / LOCK_PATH):
            yield

    def read_plan_bytes(self) -> bytes:
        """Return the raw bytes of ``plan.json``."""
        return read_bytes(self.plan_path, "plan.json")

    def load_plan(self) -> Plan:
        """Decode ``plan.json`` into the typed model.

        Raises:
            SpecError: when the file is not a valid Build Spec (with a pointer to `br lint`).
        """
        data = self.read_plan_bytes()
        try:
            return decode_plan(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise SpecError(f"{self.plan_path} is not a valid Build Spec ({exc}); run `br lint` for details") from None

    def load_view(self) -> PlanView:
        """Decode only what progress and next-work queries read (much faster on large plans).

        Raises:
            SpecError: when those parts of ``plan.json`` are invalid (with a pointer to `br lint`).
        """
        data = self.read_plan_bytes()
        try:
            return msgspec.json.decode(data, type=PlanView)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise SpecError(f"{self.plan_path} is not a valid Build Spec ({exc}); run `br lint` for details") from None

    @contextlib.contextmanager
    def edit_plan(self) -> Iterator[PlanDocument]:
        """Read-modify-write ``plan.json`` under the lock; the file changes only if the block succeeds."""
        with self.lock():
            before = self.read_plan_bytes()
            document = PlanDocument.from_bytes(before)
            known = {(f.code, f.message) for f in check_semantics(document.raw)}
            yield document
            after = document.to_bytes()
            if after == before:
                return
            introduced = [f for f in check_semantics(document.raw) if (f.code, f.message) not in known]
            if introduced:
                raise SpecError(f"refused: the change would make the plan invalid: {introduced[0].message}")
            atomic_write(self.plan_path, after)

    def init(self, name: str, key: str = "") -> list[Path]:
        """Create the plan, state and policy files that do not exist yet; return the ones created."""
        created: list[Path] = []
        now = utc_now()
        plan: dict[str, Any] = {
            "version": SPEC_VERSION,
            "project": {"name": name, **({"key": key} if key else {}), "created_at": now, "updated_at": now},
            "milestones": [],
        }
        state = {"version": 1, "created_at": now}
        files = (
            (self.plan_path, encode_plan(plan)),
            (self.state_path, msgspec.json.format(msgspec.json.encode(state), indent=2) + b"\n"),
            (self.policy_path, DEFAULT_POLICY.encode()),
        )
        try:
            self.base.mkdir(parents=True, exist_ok=True)
            with self.lock():
                for path, data in files:
                    if not path.exists():
                        atomic_write(path, data)
                        created.append(path)
        except OSError as exc:
            raise WorkspaceError(f"cannot create the workspace in {self.base}: {exc.strerror}") from None
        return created


def run_edit(workspace: Workspace, action: Any) -> Any:
    """Apply ``action(document)`` to the plan under the lock and return its result.

    Any error raised by the action leaves the file untouched.
    """
    try:
        with workspace.edit_plan() as document:
            return action(document)
    except OSError as exc:
        raise WorkspaceError(f"cannot write {workspace.plan_path}: {exc.strerror}") from None
