"""Every table of the server; importing this package registers them all on the shared metadata."""

from __future__ import annotations

from app.db.models.api_key import ApiKey
from app.db.models.auth import EmailToken, UserSession
from app.db.models.mail import OutboxMail
from app.db.models.org import Membership, Organization
from app.db.models.plan import PlanItem, PlanRevision
from app.db.models.project import Project, ProjectMember
from app.db.models.user import User

__all__ = [
    "ApiKey",
    "EmailToken",
    "Membership",
    "Organization",
    "OutboxMail",
    "PlanItem",
    "PlanRevision",
    "Project",
    "ProjectMember",
    "User",
    "UserSession",
]
