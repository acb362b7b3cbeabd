"""The governance refusals and labels in the request's language.

:mod:`buildrunner.governance.evaluate` decides (and words its answers in English for the CLI); the server asks it
and says the same in the caller's language. The English msgids here are the core's sentences word for word.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from app.lib.i18n import N_, ngettext
from app.lib.i18n import gettext as _
from buildrunner.governance import ROLES, ApprovalRule

__all__ = [
    "TRANSITION_LABELS",
    "criteria_refusal",
    "gate_refusal",
    "id_list",
    "needs_approval",
    "or_list",
    "ordered_roles",
    "target_text",
    "transition_label",
]

# Marked for extraction; translated where shown. The keys are buildrunner.governance.TRANSITIONS' (a test checks).
# Statuses stay ids in the sentences below (``done``): the word people type, the same in every language.
TRANSITION_LABELS: Final = {
    "milestone_completion": N_("completing a milestone"),
    "step_completion": N_("completing a step"),
    "policy_change": N_("changing the policy"),
    "role_change": N_("changing a member's project role"),
    "budget_override": N_("running an operation above a hard budget limit"),
    "anomaly_review": N_("closing a cost or quality anomaly"),
    "phase_change": N_("moving the project to another phase"),
    "design_token_sync": N_("applying design tokens synced from Figma"),
    "marketplace_publish": N_("publishing a template to the marketplace"),
}
_LISTED: Final = 5


def ordered_roles(roles: Iterable[str]) -> list[str]:
    """The roles in their natural order (PM, TechLead, QA, Contributor, Viewer), as the core orders them."""
    wanted = set(roles)
    return [role for role in ROLES if role in wanted]


def or_list(words: Iterable[str]) -> str:
    """``a``, ``a or b``, ``a, b or c`` in the request's language."""
    items = list(words)
    if len(items) <= 1:
        return "".join(items)
    return _("%(first)s or %(last)s") % {"first": ", ".join(items[:-1]), "last": items[-1]}


def id_list(ids: list[str]) -> str:
    """``ms-1, ms-2`` or ``ms-1, ..., ms-5 and 3 more``: enough to find them, short enough to read."""
    shown = ", ".join(ids[:_LISTED])
    if len(ids) <= _LISTED:
        return shown
    rest = len(ids) - _LISTED
    return ngettext("%(ids)s and %(num)d more", "%(ids)s and %(num)d more", rest) % {"ids": shown, "num": rest}


def gate_refusal(roles: Iterable[str], status: str) -> str:
    """``only TechLead or QA may move a microstep to done``."""
    return _("only %(roles)s may move a microstep to %(status)s") % {
        "roles": or_list(ordered_roles(roles)), "status": status}


def criteria_refusal(status: str) -> str:
    """``done needs every acceptance criterion met``."""
    return _("%(status)s needs every acceptance criterion met") % {"status": status}


def needs_approval(rule: ApprovalRule) -> str:
    """``needs approval by TechLead``, or ``needs 2 approvals by PM or TechLead``."""
    who = or_list(ordered_roles(rule.approvers))
    if rule.min_approvals > 1:
        return _("needs %(num)d approvals by %(roles)s") % {"num": rule.min_approvals, "roles": who}
    return _("needs approval by %(roles)s") % {"roles": who}


def transition_label(transition: str) -> str:
    """What a transition is, in words (``completing a milestone``)."""
    label = TRANSITION_LABELS.get(transition)
    return _(label) if label is not None else transition


def target_text(transition: str, target: str) -> str:
    """What a request is about, in words: the milestone or step id, or a short form of a proposed policy's hash."""
    if transition == "policy_change":
        return _("policy %(hash)s") % {"hash": target[:12]}
    return target
