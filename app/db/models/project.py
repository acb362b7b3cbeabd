"""Projects and their members' roles."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Project", "ProjectMember"]


class Project(UUIDv7AuditBase):
    """A project of an organization; ``key`` is unique within the organization."""

    __tablename__ = "project"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    current_revision: Mapped[int] = mapped_column(default=0)
    # Microsteps of the current revision by status, stored when a revision is saved (the project list reads them
    # instead of counting plan_item rows on every request).
    count_todo: Mapped[int] = mapped_column(default=0, server_default="0")
    count_in_progress: Mapped[int] = mapped_column(default=0, server_default="0")
    count_blocked: Mapped[int] = mapped_column(default=0, server_default="0")
    count_review: Mapped[int] = mapped_column(default=0, server_default="0")
    count_done: Mapped[int] = mapped_column(default=0, server_default="0")


class ProjectMember(UUIDv7AuditBase):
    """A user's role in a project: PM, TechLead, QA, Contributor or Viewer."""

    __tablename__ = "project_member"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    project_id: Mapped[UUID] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
