"""Rules that relate several fields of a well-typed policy (a single field's range lives in the model)."""

from __future__ import annotations

from collections.abc import Iterator

from buildrunner.governance._base import READ_ONLY_ROLES
from buildrunner.governance._findings import Finding, finding
from buildrunner.governance.model import POLICY_VERSION, Policy

_CONTRAST_FOR_LEVEL = {"AA": 4.5, "AAA": 7.0}


class _Blame:
    """Places a finding on the first of its candidate paths that the file actually contains."""

    def __init__(self, positions: dict[str, tuple[int, int]]) -> None:
        self.positions = positions

    def __call__(self, code: str, paths: tuple[str, ...], message: str, hint: str) -> Finding:
        path = next((p for p in paths if p in self.positions), paths[0])
        probe = path
        while probe not in self.positions and "." in probe:
            probe = probe.rsplit(".", 1)[0]
        return finding(code, path, message, hint, self.positions.get(probe, (0, 0)))


def check_semantics(policy: Policy, positions: dict[str, tuple[int, int]]) -> list[Finding]:
    """Findings for contradictory or unusable settings; ``positions`` maps the file's paths to line, column."""
    blame = _Blame(positions)
    checks = (_version, _ranges, _read_only_roles, _providers, _features)
    return [f for check in checks for f in check(policy, blame)]


def _version(policy: Policy, blame: _Blame) -> Iterator[Finding]:
    if policy.version > POLICY_VERSION:
        yield blame("POL011", ("version",), f"policy version {policy.version} is newer than this BuildRunner "
                    f"understands ({POLICY_VERSION})", "upgrade BuildRunner, or write version: 1")


def _ranges(policy: Policy, blame: _Blame) -> Iterator[Finding]:
    backoff, breaker = policy.sync_backoff, policy.circuit_breaker
    if backoff.min_ms > backoff.max_ms:
        yield blame("POL010", ("sync_backoff.max_ms", "sync_backoff.min_ms"),
                    f"sync_backoff.min_ms ({backoff.min_ms}) is above max_ms ({backoff.max_ms})",
                    "make min_ms at most max_ms")
    if breaker.success_threshold > breaker.half_open_max_calls:
        yield blame("POL010", ("circuit_breaker.half_open_max_calls", "circuit_breaker.success_threshold"),
                    f"the circuit could never close: half-open lets {breaker.half_open_max_calls} call(s) through "
                    f"but closing needs {breaker.success_threshold} successes",
                    "make half_open_max_calls at least success_threshold")
    analytics = policy.analytics
    if analytics.enforcement == "hard" and analytics.max_daily_cost is None:
        yield blame("POL010", ("analytics.enforcement",), "analytics.enforcement is hard but there is no "
                    "max_daily_cost to enforce", "set analytics.max_daily_cost, or use enforcement: soft")


def _read_only_roles(policy: Policy, blame: _Blame) -> Iterator[Finding]:
    places: list[tuple[str, list[str]]] = [
        (f"status_gates.{status}.roles", list(gate.roles)) for status, gate in policy.status_gates.items()
    ]
    for transition, rule in policy.approvals.items():
        if isinstance(rule, list):
            places.append((f"approvals.{transition}", list(rule)))
        else:
            places.append((f"approvals.{transition}.approvers", list(rule.approvers)))
    for path, roles in places:
        for i, role in enumerate(roles):
            if role in READ_ONLY_ROLES:
                yield blame("POL012", (f"{path}[{i}]",), f"{role} is a read-only role: it can never change a "
                            "status or approve", f"remove {role}, or name a role that can act")


def _providers(policy: Policy, blame: _Blame) -> Iterator[Finding]:
    allowed = policy.integrations.integrations_allowed
    if allowed is None:
        return
    lists = (
        ("previews.providers_allowed", policy.previews.providers_allowed),
        ("integrations.preview_environments.providers_allowed",
         policy.integrations.preview_environments.providers_allowed),
    )
    for path, providers in lists:
        for i, provider in enumerate(providers or ()):
            if provider not in allowed:
                yield blame("POL010", (f"{path}[{i}]", path), f"preview provider '{provider}' is not in "
                            "integrations.integrations_allowed",
                            f"add {provider} to integrations.integrations_allowed, or remove it here")


def _features(policy: Policy, blame: _Blame) -> Iterator[Finding]:
    a11y = policy.accessibility
    ratio = a11y.audit_requirements.color_contrast_min
    needed = _CONTRAST_FOR_LEVEL.get(a11y.wcag_level)
    if ratio is not None and needed is not None and ratio < needed:
        yield blame("POL010", ("accessibility.audit_requirements.color_contrast_min",),
                    f"WCAG {a11y.wcag_level} needs a contrast ratio of at least {needed:g}, but color_contrast_min "
                    f"is {ratio:g}", f"raise color_contrast_min to {needed:g} or more")
    marketplace = policy.public_launch.marketplace
    if marketplace.auto_publish and marketplace.moderation_required:
        yield blame("POL010", ("public_launch.marketplace.auto_publish",
                               "public_launch.marketplace.moderation_required"),
                    "marketplace items cannot be published automatically and also wait for moderation",
                    "set auto_publish or moderation_required to false")
    if policy.i18n.required and not policy.i18n.supported_locales:
        yield blame("POL010", ("i18n.required",), "i18n is required but i18n.supported_locales is empty",
                    "list the locales, e.g. supported_locales: [en, es, fr, de]")
