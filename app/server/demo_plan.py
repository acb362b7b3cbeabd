"""A realistic Build Spec for the demo organization: 3 milestones, 9 steps, 30 microsteps."""

from __future__ import annotations

from typing import Any

from buildrunner.spec.document import encode_plan

__all__ = ["demo_plan"]

_MILESTONES: list[tuple[str, list[tuple[str, list[tuple[str, str, str, list[str]]]]]]] = [
    ("Foundations", [
        ("Repository and CI", [
            ("Create the repository with a README and licence", "done", "bob", ["repo"]),
            ("Set up linting and type checks in pre-commit", "done", "bob", ["ci"]),
            ("Run the test suite on every push", "done", "bob", ["ci"]),
        ]),
        ("Data model", [
            ("Design the order and customer tables", "done", "alice", ["db"]),
            ("Write the first migration", "done", "bob", ["db"]),
            ("Seed data for local development", "in_progress", "bob", ["db", "dx"]),
        ]),
        ("Accounts", [
            ("Sign-up with email verification", "done", "bob", ["auth"]),
            ("Login with rate limiting", "review", "bob", ["auth", "security"]),
            ("Password reset by email", "todo", "bob", ["auth"]),
            ("Audit log of sign-ins", "todo", "", ["auth", "security"]),
        ]),
    ]),
    ("Storefront", [
        ("Catalogue", [
            ("List products with filters", "in_progress", "bob", ["web"]),
            ("Product detail page", "todo", "bob", ["web"]),
            ("Search by name and tag", "todo", "", ["web", "search"]),
        ]),
        ("Cart and checkout", [
            ("Add to cart without JavaScript", "todo", "bob", ["web", "a11y"]),
            ("Checkout form with address validation", "todo", "", ["web"]),
            ("Payment through the provider's hosted page", "blocked", "alice", ["payments"]),
            ("Order confirmation email", "todo", "", ["email"]),
        ]),
        ("Accessibility", [
            ("Keyboard-only journey through checkout", "todo", "carol", ["a11y", "qa"]),
            ("Zero axe violations on every page", "todo", "carol", ["a11y", "qa"]),
            ("Colour contrast review", "todo", "carol", ["a11y"]),
        ]),
    ]),
    ("Launch", [
        ("Operations", [
            ("Backups restored in a drill", "todo", "bob", ["ops"]),
            ("Dashboards and alerts for errors and latency", "todo", "", ["ops"]),
            ("Runbook for the on-call rota", "todo", "alice", ["ops", "docs"]),
        ]),
        ("Quality", [
            ("Load test at twice the expected traffic", "todo", "carol", ["qa", "perf"]),
            ("End-to-end tests of the purchase journey", "todo", "carol", ["qa"]),
            ("Security review of authentication", "todo", "", ["security"]),
            ("Bug bash with the whole team", "todo", "carol", ["qa"]),
        ]),
        ("Go-live", [
            ("Announce the launch date", "todo", "alice", ["comms"]),
            ("Switch DNS to the production load balancer", "todo", "bob", ["ops"]),
            ("Post-launch retrospective", "todo", "alice", ["process"]),
        ]),
    ]),
]


def _microstep(m: int, s: int, k: int, spec: tuple[str, str, str, list[str]]) -> dict[str, Any]:
    title, status, owner, tags = spec
    micro_id = f"ms-{m}{s}{k}"
    met = status == "done"
    criteria = [
        {"id": "c1", "text": "Behaviour is covered by automated tests", "met": met or status == "review"},
        {"id": "c2", "text": "Reviewed by another team member", "met": met},
    ]
    node: dict[str, Any] = {"id": micro_id, "title": title, "status": status, "tags": tags,
                            "acceptance_criteria": criteria, "estimate": float(1 + (m + s + k) % 5)}
    if owner:
        node["owner"] = owner
    return node


def demo_plan(name: str = "Web shop") -> bytes:
    """The demo plan as ``plan.json`` bytes (valid under the Build Spec linter)."""
    milestones = []
    for m, (m_title, steps) in enumerate(_MILESTONES, start=1):
        step_nodes = []
        for s, (s_title, micros) in enumerate(steps, start=1):
            step_nodes.append({
                "id": f"st-{m}{s}", "title": s_title,
                "microsteps": [_microstep(m, s, k, spec) for k, spec in enumerate(micros, start=1)],
            })
        milestones.append({"id": f"m-{m}", "title": m_title, "steps": step_nodes})
    raw = {"version": 1, "project": {"name": name, "key": "SHOP"}, "milestones": milestones}
    return encode_plan(raw)
