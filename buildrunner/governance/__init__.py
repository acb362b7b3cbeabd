"""Governance policies (`buildrunner/governance/policy.yml`): the typed format, its validator and evaluation.

Framework-free: the CLI (`br governance validate`), the sync client (backoff, circuit breaker) and the
server (status gates, approvals) share it. Reference: ``docs/policy.md``.
"""

from __future__ import annotations

from buildrunner.governance._base import ROLES, Role
from buildrunner.governance._findings import CODES, Finding
from buildrunner.governance._load import PolicyError, load_policy
from buildrunner.governance.evaluate import approvers_for, check_status_change, describe_approvers
from buildrunner.governance.model import (
    POLICY_VERSION,
    TRANSITIONS,
    Analytics,
    ApprovalRule,
    CircuitBreaker,
    Policy,
    Previews,
    StatusGate,
    SyncBackoff,
    Transition,
)
from buildrunner.governance.validate import MAX_POLICY_BYTES, decode_policy, dump_policy, validate_policy_bytes

__all__ = [
    "CODES",
    "MAX_POLICY_BYTES",
    "POLICY_VERSION",
    "ROLES",
    "TRANSITIONS",
    "Analytics",
    "ApprovalRule",
    "CircuitBreaker",
    "Finding",
    "Policy",
    "PolicyError",
    "Previews",
    "Role",
    "StatusGate",
    "SyncBackoff",
    "Transition",
    "approvers_for",
    "check_status_change",
    "decode_policy",
    "describe_approvers",
    "dump_policy",
    "load_policy",
    "validate_policy_bytes",
]
