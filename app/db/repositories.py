"""advanced-alchemy repositories, one per model the services query."""

from __future__ import annotations

from advanced_alchemy.repository import SQLAlchemyAsyncRepository

from app.db.models import (
    ApiKey,
    EmailToken,
    Membership,
    Organization,
    OutboxMail,
    PlanRevision,
    Project,
    ProjectMember,
    User,
    UserSession,
)

__all__ = [
    "ApiKeyRepository",
    "EmailTokenRepository",
    "MembershipRepository",
    "OrganizationRepository",
    "OutboxMailRepository",
    "PlanRevisionRepository",
    "ProjectMemberRepository",
    "ProjectRepository",
    "UserRepository",
    "UserSessionRepository",
]


class UserRepository(SQLAlchemyAsyncRepository[User]):
    """Users."""

    model_type = User


class UserSessionRepository(SQLAlchemyAsyncRepository[UserSession]):
    """Browser sessions."""

    model_type = UserSession


class EmailTokenRepository(SQLAlchemyAsyncRepository[EmailToken]):
    """Verification and reset tokens."""

    model_type = EmailToken


class ApiKeyRepository(SQLAlchemyAsyncRepository[ApiKey]):
    """API keys."""

    model_type = ApiKey


class OrganizationRepository(SQLAlchemyAsyncRepository[Organization]):
    """Organizations."""

    model_type = Organization


class MembershipRepository(SQLAlchemyAsyncRepository[Membership]):
    """Organization memberships."""

    model_type = Membership


class ProjectRepository(SQLAlchemyAsyncRepository[Project]):
    """Projects."""

    model_type = Project


class ProjectMemberRepository(SQLAlchemyAsyncRepository[ProjectMember]):
    """Project roles."""

    model_type = ProjectMember


class PlanRevisionRepository(SQLAlchemyAsyncRepository[PlanRevision]):
    """Plan revisions."""

    model_type = PlanRevision


class OutboxMailRepository(SQLAlchemyAsyncRepository[OutboxMail]):
    """Mail records and the dev mailbox."""

    model_type = OutboxMail
