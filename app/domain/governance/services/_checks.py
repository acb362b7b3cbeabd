"""Checks of approval input, and the small pieces the approval service shares: refusal words, ledger entries and
the policy a policy-change request proposes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Approval
from app.domain.governance.schemas import MAX_COMMENT, MAX_TARGET
from app.domain.governance.services._store import policy_info
from app.domain.governance.services._words import or_list
from app.domain.projects.schemas import ProjectAccess
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul
from buildrunner.governance import TRANSITIONS, Policy, decode_policy

__all__ = ["check_comment", "check_target", "check_transition", "closed", "ledger_payload", "ledger_target",
           "proposed_policy"]


def check_transition(value: str) -> str:
    """A transition name as the policy spells it.

    Raises:
        ValidationFailed: naming ``transition`` and the known ones.
    """
    reject_nul("transition", value)
    if value.strip() in TRANSITIONS:
        return value.strip()
    raise ValidationFailed("transition", _("unknown transition %(value)s; use one of %(choices)s")
                           % {"value": repr(value[:60]), "choices": or_list(TRANSITIONS)})


def check_target(value: str) -> str:
    """What a request is about (a milestone or step id), on one line.

    Raises:
        ValidationFailed: naming ``target`` when it is empty, too long or holds control characters.
    """
    reject_nul("target", value)
    cleaned = value.strip()
    if not cleaned or len(cleaned) > MAX_TARGET or any(ord(char) < 32 for char in cleaned):
        raise ValidationFailed("target", _("name what the approval is for: the milestone or step id (e.g. m-1), "
                                           "1–%(max)d characters on one line") % {"max": MAX_TARGET})
    return cleaned


def check_comment(value: str, field: str = "comment", *, required: bool = False) -> str:
    """A comment, stripped.

    Raises:
        ValidationFailed: naming ``field`` when it holds NUL, is longer than ``MAX_COMMENT`` or is required and empty.
    """
    reject_nul(field, value)
    cleaned = value.strip()
    if len(cleaned) > MAX_COMMENT:
        raise ValidationFailed(field, _("keep it to %(max)d characters (it has %(num)d)")
                               % {"max": MAX_COMMENT, "num": len(cleaned)})
    if required and not cleaned:
        raise ValidationFailed(field, _("write something to add to the discussion"))
    return cleaned


def closed(status: str) -> str:
    messages = {
        "approved": _("this request is approved already; there is nothing left to decide"),
        "denied": _("this request was denied; ask again with a new request"),
        "withdrawn": _("this request was withdrawn; ask again with a new request"),
    }
    return messages.get(status, messages["denied"])


async def proposed_policy(db: AsyncSession, project: ProjectAccess, row: Approval) -> tuple[str, Policy]:
    """The policy a policy-change request proposes, still valid and still made against the current policy.

    Raises:
        Conflict: the policy changed since the request was made (approving would undo that change), or the proposal
            is no longer valid.
    """
    current = await policy_info(db, project.id)
    if current.content_hash != row.payload.get("base_hash"):
        raise Conflict(_("the policy changed since this request was made, so approving it would undo that change; "
                         "deny or withdraw it and upload the new policy again"))
    text = str(row.payload.get("yaml", ""))
    policy, findings = decode_policy(text.encode("utf-8"))
    if policy is None:
        raise Conflict(_("the proposed policy is not valid any more (%(problem)s); deny or withdraw the request")
                       % {"problem": findings[0].message if findings else "?"})
    return text, policy


def ledger_target(project: ProjectAccess, row: Approval) -> str:
    return f"{project.organization_slug}/{project.key}/approvals/{row.id}"


def ledger_payload(project: ProjectAccess, row: Approval) -> dict[str, Any]:
    return {"project": project.key, "transition": row.transition, "target": row.target}
