"""A project's policy on the server: read it, and replace it by uploading YAML (validated, and itself governed)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.governance.schemas import PolicyChange, PolicyInfo
from app.domain.governance.services._checks import check_comment
from app.domain.governance.services._requests import ApprovalService
from app.domain.governance.services._store import apply_policy, check_policy, content_hash, current_policy, policy_info
from app.domain.governance.services._views import detail_of
from app.domain.mail.services import MailService
from app.domain.projects.permissions import Action
from app.domain.projects.services._access import find_project

__all__ = ["PolicyService"]


class PolicyService:
    """Projects' policies: the default until one is uploaded; a change waits for approval when the policy says so."""

    def __init__(self, db: AsyncSession, mail: MailService | None = None,
                 base_url: str = "http://127.0.0.1:8000") -> None:
        """Bind to a database session; ``mail`` tells approvers about changes waiting for them."""
        self.db = db
        self.approvals = ApprovalService(db, mail, base_url)

    async def get(self, actor: Principal, key: str, *, org: str | None = None) -> PolicyInfo:
        """The project's current policy: its YAML, what it means, and who set it when.

        Raises:
            NotFound: not a project of the actor's organizations.
        """
        project = await find_project(self.db, actor, key, org=org)
        return await policy_info(self.db, project.id)

    async def upload(self, actor: Principal, key: str, data: bytes, *, comment: str = "",
                     org: str | None = None) -> PolicyChange:
        """Validate ``data`` (a ``policy.yml``) and make it the project's policy, or, when the current policy lists
        ``approvals.policy_change``, open an approval request that applies it once approved.

        The same text as the current policy changes nothing (``changed`` false). Nothing is written on any error.

        Raises:
            NotFound: not a project of the actor's. PermissionDenied: the actor may not change the policy.
            ValidationFailed: NUL bytes, or the validator's findings in ``errors`` (path, line, column, message).
            Conflict: the same change is already waiting for approval.
        """
        project = await find_project(self.db, actor, key, org=org, action=Action.CHANGE_POLICY)
        comment = check_comment(comment)
        text, policy = check_policy(data)
        current = await policy_info(self.db, project.id)
        proposed_hash = content_hash(text)
        if proposed_hash == current.content_hash:
            return PolicyChange(policy=current, changed=False)
        governing = await current_policy(self.db, project.id)
        rule = governing.approval_for("policy_change")
        if rule is not None and not actor.is_system:
            row = await self.approvals.open(actor, project, "policy_change", proposed_hash, rule, comment=comment,
                                            payload={"yaml": text, "base_hash": current.content_hash})
            await self.db.commit()
            await self.approvals.events.publish()
            return PolicyChange(approval=await detail_of(self.db, row, governing))
        await apply_policy(self.db, actor, project, text, policy, author_id=None if actor.is_system else actor.user_id)
        await self.db.commit()
        return PolicyChange(policy=await policy_info(self.db, project.id), changed=True)
