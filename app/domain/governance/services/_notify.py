"""Mail about approvals: the approvers hear of a new request, the requester of the decision.

Messages go through :class:`~app.domain.mail.services.MailService` in the caller's transaction (the dev mailbox in
embedded mode, SMTP when configured), in the language of the request that caused them.
"""

from __future__ import annotations

from urllib.parse import quote

from app.db.models import Approval
from app.domain.governance.services._words import target_text, transition_label
from app.domain.mail.services import MailService
from app.domain.projects.schemas import ProjectAccess
from app.lib.i18n import gettext as _

__all__ = ["Notifier", "status_label"]


def status_label(status: str) -> str:
    """An approval status in words."""
    labels = {"pending": _("Pending"), "approved": _("Approved"), "denied": _("Denied"), "withdrawn": _("Withdrawn")}
    return labels.get(status, status)


class Notifier:
    """Writes the approval mails; without a mail service (tests of other things, the CLI) it stays silent."""

    def __init__(self, mail: MailService | None, base_url: str) -> None:
        """Mail through ``mail``, linking to pages under ``base_url``."""
        self.mail = mail
        self.base_url = base_url.rstrip("/")

    def link(self, project: ProjectAccess, approval: Approval) -> str:
        """The approval's page."""
        return f"{self.base_url}/p/{quote(project.key, safe='')}/approvals/{approval.id}"

    async def requested(self, project: ProjectAccess, approval: Approval, *, requester: str, needs: str,
                        comment: str, recipients: list[str]) -> None:
        """Tell each approver that ``requester`` asks for an approval."""
        if self.mail is None:
            return
        what = transition_label(approval.transition)
        subject = _("Approval requested in %(key)s: %(what)s") % {"key": project.key, "what": what}
        body = _("%(who)s asks for approval of %(what)s (%(target)s) in %(project)s. The request %(needs)s.\n\n"
                 "Approve or deny it here:\n%(link)s\n") % {
            "who": requester, "what": what, "target": target_text(approval.transition, approval.target),
            "project": project.name, "needs": needs, "link": self.link(project, approval)}
        if comment:
            body += "\n" + _("Their comment:") + "\n" + comment + "\n"
        for recipient in recipients:
            await self.mail.send(recipient, subject, body)

    async def decided(self, project: ProjectAccess, approval: Approval, *, decider: str, comment: str,
                      recipient: str | None) -> None:
        """Tell the requester that their request was approved or denied (or that the policy change applied)."""
        if self.mail is None or recipient is None:
            return
        what = transition_label(approval.transition)
        if approval.status == "approved":
            subject = _("Your approval request in %(key)s was approved")
            text = _("%(who)s approved your request for %(what)s (%(target)s) in %(project)s.")
        else:
            subject = _("Your approval request in %(key)s was denied")
            text = _("%(who)s denied your request for %(what)s (%(target)s) in %(project)s.")
        values = {"key": project.key, "who": decider, "what": what,
                  "target": target_text(approval.transition, approval.target), "project": project.name}
        body = text % values + "\n\n" + self.link(project, approval) + "\n"
        if comment:
            body += "\n" + _("Their comment:") + "\n" + comment + "\n"
        await self.mail.send(recipient, subject % values, body)
