"""PlanService imports the policy checks from app.domain.governance.services, whose approval modules import the
project services: loading either package first must work (a fresh interpreter each way)."""

from __future__ import annotations

import subprocess
import sys

import pytest

GOVERNANCE = "app.domain.governance.services"
PROJECTS = "app.domain.projects.services"


@pytest.mark.parametrize("first", [GOVERNANCE, PROJECTS])
def test_either_package_may_load_first(first: str) -> None:
    second = PROJECTS if first == GOVERNANCE else GOVERNANCE
    code = (f"import {first}, {second}\n"
            f"from {GOVERNANCE} import enforce_plan_revision, enforce_status_change\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_transition_labels_cover_every_transition() -> None:
    from app.domain.governance.services import TRANSITION_LABELS  # noqa: PLC0415
    from buildrunner.governance import TRANSITIONS  # noqa: PLC0415

    assert set(TRANSITION_LABELS) == set(TRANSITIONS)
