"""Every table of the server; importing this package registers them all on the shared metadata."""

from __future__ import annotations

from app.db.models.api_key import ApiKey
from app.db.models.audit import AuditCheckpoint, AuditEntry, AuditNode, AuditPrune
from app.db.models.auth import EmailToken, Impersonation, UserSession
from app.db.models.comment import Comment, CommentAttachment, CommentMention, CommentVersion, Watch
from app.db.models.delivery import Delivery
from app.db.models.governance import Approval, ApprovalComment, ProjectPolicy
from app.db.models.mail import OutboxMail
from app.db.models.notification import Notification, NotificationPreference, NotificationWebhook
from app.db.models.org import Membership, Organization
from app.db.models.plan import PlanItem, PlanRevision
from app.db.models.project import Project, ProjectMember
from app.db.models.sync import IdempotencyRecord, PlanConflict
from app.db.models.team import Team, TeamMember
from app.db.models.user import User

__all__ = [
    "ApiKey",
    "Approval",
    "ApprovalComment",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditNode",
    "AuditPrune",
    "Comment",
    "CommentAttachment",
    "CommentMention",
    "CommentVersion",
    "Delivery",
    "EmailToken",
    "IdempotencyRecord",
    "Impersonation",
    "Membership",
    "Notification",
    "NotificationPreference",
    "NotificationWebhook",
    "Organization",
    "OutboxMail",
    "PlanConflict",
    "PlanItem",
    "PlanRevision",
    "Project",
    "ProjectMember",
    "ProjectPolicy",
    "Team",
    "TeamMember",
    "User",
    "UserSession",
    "Watch",
]
