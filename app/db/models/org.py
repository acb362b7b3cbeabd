"""Organizations (tenants) and who belongs to them."""

from __future__ import annotations

from uuid import UUID

from advanced_alchemy.base import UUIDv7AuditBase
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

__all__ = ["Membership", "Organization"]


class Organization(UUIDv7AuditBase):
    """A tenant: every project belongs to exactly one."""

    __tablename__ = "organization"

    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class Membership(UUIDv7AuditBase):
    """A user's membership of an organization, with the org role ``owner``, ``admin`` or ``member``."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    organization_id: Mapped[UUID] = mapped_column(ForeignKey("organization.id", ondelete="CASCADE"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
