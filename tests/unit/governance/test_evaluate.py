"""Evaluating a policy: status gates and approvals explained in words; roles and statuses in step with the rest."""

from __future__ import annotations

import pytest

from buildrunner.governance import (
    ROLES,
    TRANSITIONS,
    ApprovalRule,
    Policy,
    StatusGate,
    approvers_for,
    check_status_change,
    decode_policy,
    describe_approvers,
)
from buildrunner.spec.model import STATUSES
from buildrunner.workspace.workspace import DEFAULT_POLICY


@pytest.fixture
def default() -> Policy:
    policy, findings = decode_policy(DEFAULT_POLICY.encode())
    assert policy is not None, findings
    return policy


def test_only_the_gate_roles_may_move_to_done(default: Policy) -> None:
    assert check_status_change(default, {"Contributor"}, "done", criteria_met=True) == (
        "only TechLead or QA may move a microstep to done")
    assert check_status_change(default, set(), "done", criteria_met=True) is not None
    assert check_status_change(default, {"QA"}, "done", criteria_met=True) is None
    assert check_status_change(default, {"Contributor", "TechLead"}, "done", criteria_met=True) is None


def test_done_needs_every_criterion_met(default: Policy) -> None:
    assert check_status_change(default, {"QA"}, "done", criteria_met=False) == (
        "done needs every acceptance criterion met")


def test_the_role_reason_comes_before_the_criteria_reason(default: Policy) -> None:
    assert check_status_change(default, {"Viewer"}, "done", criteria_met=False) == (
        "only TechLead or QA may move a microstep to done")


def test_ungated_statuses_and_empty_policies_allow_everything(default: Policy) -> None:
    assert check_status_change(default, {"Contributor"}, "in_progress", criteria_met=False) is None
    assert check_status_change(Policy(), {"Contributor"}, "done", criteria_met=False) is None


def test_a_gate_without_roles_only_checks_criteria() -> None:
    policy = Policy(status_gates={"review": StatusGate(require_all_criteria_met=True)})
    assert policy.gate_for("review") == StatusGate(require_all_criteria_met=True)
    assert policy.gate_for("done") is None
    assert check_status_change(policy, {"Contributor"}, "review", criteria_met=True) is None
    assert check_status_change(policy, {"Contributor"}, "review", criteria_met=False) == (
        "review needs every acceptance criterion met")


def test_three_roles_read_as_a_sentence() -> None:
    policy = Policy(status_gates={"done": StatusGate(roles=["QA", "PM", "TechLead"])})
    assert check_status_change(policy, {"Contributor"}, "done", True) == (
        "only PM, TechLead or QA may move a microstep to done")


def test_approvers_short_and_long_form(default: Policy) -> None:
    assert approvers_for(default, "milestone_completion") == ["TechLead"]
    assert approvers_for(default, "policy_change") == ["TechLead"]
    assert approvers_for(default, "role_change") == []
    assert describe_approvers(default, "policy_change") == "needs approval by TechLead"
    assert describe_approvers(default, "role_change") is None
    policy = Policy(approvals={"role_change": ApprovalRule(approvers=["TechLead", "PM"], min_approvals=2)})
    assert approvers_for(policy, "role_change") == ["PM", "TechLead"]
    assert describe_approvers(policy, "role_change") == "needs 2 approvals by PM or TechLead"
    assert policy.approval_for("role_change") == ApprovalRule(approvers=["TechLead", "PM"], min_approvals=2)


def test_the_default_policy_sync_settings_are_the_briefs(default: Policy) -> None:
    assert (default.sync_backoff.min_ms, default.sync_backoff.max_ms, default.sync_backoff.factor) == (500, 30000, 2)
    assert default.circuit_breaker.cooldown_ms == 60000
    assert default.sync_backoff == Policy().sync_backoff and default.circuit_breaker == Policy().circuit_breaker


def test_roles_are_the_servers_project_roles() -> None:
    from app.domain.projects.permissions import PROJECT_ROLES  # noqa: PLC0415 - the server side of the pair

    assert ROLES == PROJECT_ROLES


def test_gates_are_keyed_by_the_build_spec_statuses() -> None:
    gate_keys = Policy.__annotations__["status_gates"]
    assert "Status" in str(gate_keys)
    for status in STATUSES:
        policy, findings = decode_policy(f"status_gates:\n  {status}: {{roles: [QA]}}\n".encode())
        assert findings == [] and policy is not None and policy.gate_for(status) is not None


def test_every_transition_is_described() -> None:
    assert all(TRANSITIONS.values())
    for transition in TRANSITIONS:
        assert decode_policy(f"approvals:\n  {transition}: [PM]\n".encode())[1] == []
