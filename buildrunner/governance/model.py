"""The governance policy model: msgspec Structs for `buildrunner/governance/policy.yml`.

Every section and field is optional; a missing one takes the default documented here and in
``docs/policy.md``. Unknown keys are refused (``forbid_unknown_fields``) so that a typo is reported
instead of silently ignored. Range rules that concern one field live in the types (``Meta``); rules
that relate two fields (``min_ms`` ≤ ``max_ms`` ...) live in :mod:`buildrunner.governance._semantics`.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

from buildrunner.governance._base import (
    NonNegativeFloat,
    Percent,
    PhaseName,
    PositiveInt,
    PreviewProvider,
    Role,
    Section,
)
from buildrunner.governance._sections import (
    Accessibility,
    DesignSystem,
    Evals,
    I18n,
    Integrations,
    Optimization,
    PublicLaunch,
    RateLimits,
)
from buildrunner.spec.model import Status

__all__ = [
    "POLICY_VERSION",
    "TRANSITIONS",
    "Analytics",
    "ApprovalRule",
    "CircuitBreaker",
    "Policy",
    "Previews",
    "StatusGate",
    "SyncBackoff",
    "Transition",
]

POLICY_VERSION: Final = 1

# Upper bounds catch a slipped zero: an hour between retries or a thousand failures is never meant.
Milliseconds = Annotated[int, msgspec.Meta(ge=1, le=3_600_000)]
Count = Annotated[int, msgspec.Meta(ge=1, le=1000)]

Transition = Literal[
    "milestone_completion",
    "step_completion",
    "policy_change",
    "role_change",
    "budget_override",
    "anomaly_review",
    "phase_change",
    "design_token_sync",
    "marketplace_publish",
]
TRANSITIONS: Final[dict[Transition, str]] = {
    "milestone_completion": "marking a milestone done",
    "step_completion": "marking a step done",
    "policy_change": "changing this policy on the server",
    "role_change": "changing a member's project role",
    "budget_override": "running an operation above a hard budget limit",
    "anomaly_review": "closing a cost or quality anomaly (with analytics.require_anomaly_review)",
    "phase_change": "moving the project to another phase (e.g. QA, Beta)",
    "design_token_sync": "applying design tokens synced from Figma",
    "marketplace_publish": "publishing a template to the marketplace",
}


class StatusGate(Section):
    """Who may move a microstep to one status, and what must hold first."""

    roles: list[Role] = msgspec.field(default_factory=list)
    """Roles allowed to move a microstep to this status; empty means every role that may change statuses."""
    require_all_criteria_met: bool = False
    """Refuse the change while any acceptance criterion of the microstep is unmet."""


class ApprovalRule(Section):
    """The long form of an approval rule: approver roles and how many approvals are needed."""

    approvers: Annotated[list[Role], msgspec.Meta(min_length=1)]
    min_approvals: PositiveInt = 1


class Analytics(Section):
    """Budget alerts and limits, and anomaly thresholds (analytics and cost monitoring)."""

    budget_alert_threshold: NonNegativeFloat | None = None
    """Monthly spend (in the billing currency) above which the project's owners are alerted."""
    cost_spike_threshold: NonNegativeFloat | None = None
    """Alert when cost rises by at least this many percent over the previous period."""
    quality_drop_threshold: Percent | None = None
    """Alert when the quality score falls by at least this many percent."""
    require_anomaly_review: bool = False
    """An anomaly stays open until someone reviews it (see the ``anomaly_review`` approval)."""
    max_daily_cost: NonNegativeFloat | None = None
    """Daily spend limit; what happens above it depends on ``enforcement``."""
    enforcement: Literal["soft", "hard"] = "soft"
    """``soft`` warns and lets the operation run; ``hard`` blocks it (unless a ``budget_override`` is approved)."""


class SyncBackoff(Section):
    """Exponential backoff of `br sync` retries: ``min_ms * factor ** attempt``, capped at ``max_ms``."""

    min_ms: Milliseconds = 500
    max_ms: Milliseconds = 30_000
    factor: Annotated[float, msgspec.Meta(ge=1, le=10)] = 2.0
    jitter: bool = True
    """Randomise each delay (full jitter) so that many clients do not retry in lockstep."""
    max_attempts: Annotated[int, msgspec.Meta(ge=1, le=100)] = 5


class CircuitBreaker(Section):
    """The sync client's circuit breaker: closed → open after failures, half-open after a cooldown."""

    failure_threshold: Count = 5
    """Consecutive failures that open the circuit."""
    success_threshold: Count = 3
    """Consecutive successes in half-open state that close it again."""
    cooldown_ms: Annotated[int, msgspec.Meta(ge=0, le=86_400_000)] = 60_000
    """Time the circuit stays open before trying again (half-open); at most a day."""
    half_open_max_calls: Count = 3
    """Calls let through while half-open; at least ``success_threshold``, or the circuit could never close."""


class Previews(Section):
    """Preview deployments that must exist before the project enters a phase."""

    required_for_phases: list[PhaseName] = msgspec.field(default_factory=list)
    providers_allowed: list[PreviewProvider] | None = None
    """Providers whose previews count; ``null`` (the default) means any."""


class Policy(Section):
    """A project's governance policy: the whole of ``policy.yml``."""

    version: Annotated[int, msgspec.Meta(ge=1)] = POLICY_VERSION
    status_gates: dict[Status, StatusGate] = msgspec.field(default_factory=dict)
    approvals: dict[Transition, list[Role] | ApprovalRule] = msgspec.field(default_factory=dict)
    analytics: Analytics = msgspec.field(default_factory=Analytics)
    rate_limits: RateLimits = msgspec.field(default_factory=RateLimits)
    sync_backoff: SyncBackoff = msgspec.field(default_factory=SyncBackoff)
    circuit_breaker: CircuitBreaker = msgspec.field(default_factory=CircuitBreaker)
    previews: Previews = msgspec.field(default_factory=Previews)
    integrations: Integrations = msgspec.field(default_factory=Integrations)
    i18n: I18n = msgspec.field(default_factory=I18n)
    accessibility: Accessibility = msgspec.field(default_factory=Accessibility)
    evals: Evals = msgspec.field(default_factory=Evals)
    optimization: Optimization = msgspec.field(default_factory=Optimization)
    design_system: DesignSystem = msgspec.field(default_factory=DesignSystem)
    public_launch: PublicLaunch = msgspec.field(default_factory=PublicLaunch)

    def gate_for(self, status: str) -> StatusGate | None:
        """The gate on moving a microstep to ``status``, or None when that status is not gated."""
        gate: StatusGate | None = self.status_gates.get(status)  # type: ignore[call-overload]
        return gate

    def approval_for(self, transition: str) -> ApprovalRule | None:
        """The approval rule of a named transition (long form, normalised), or None when it needs none."""
        rule: list[Role] | ApprovalRule | None = self.approvals.get(transition)  # type: ignore[call-overload]
        if rule is None:
            return None
        return ApprovalRule(approvers=list(rule)) if isinstance(rule, list) else rule

    def phases_requiring_preview(self) -> set[str]:
        """Phases that need a preview deployment, from ``previews`` and the ``integrations`` section."""
        return {
            *self.previews.required_for_phases,
            *self.integrations.require_preview_for_phase,
            *self.integrations.preview_environments.required_for_phases,
        }
