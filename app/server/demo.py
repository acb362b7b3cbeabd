"""The demo seed: organization ``acme``, three people and a realistic plan (idempotent)."""

from __future__ import annotations

from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import Organization, User
from app.domain.accounts.schemas import Principal
from app.domain.accounts.services import AccountService
from app.domain.mail.services import MailService
from app.domain.orgs.services import OrgService
from app.domain.projects.services import PlanService, ProjectService
from app.server.demo_plan import demo_plan

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "seed_demo"]

DEMO_PASSWORD: Final = "buildrunner-demo"  # noqa: S105  (printed for the demo; never used outside it)
DEMO_USERS: Final = (
    ("alice@example.com", "Alice Adams", "owner", "PM"),
    ("bob@example.com", "Bob Baker", "member", "TechLead"),
    ("carol@example.com", "Carol Chen", "member", "QA"),
)


async def seed_demo(db: AsyncSession, system: Principal) -> bool:
    """Create the demo data unless organization ``acme`` exists; return whether anything was created."""
    if await db.scalar(select(Organization.id).where(Organization.slug == "acme")) is not None:
        return False
    accounts = AccountService(db, MailService(db))
    for email, name, _, _ in DEMO_USERS:
        if await db.scalar(select(User.id).where(User.email == email)) is None:
            await accounts.create_user(email, DEMO_PASSWORD, name, verified=True)
    await db.commit()
    orgs, projects = OrgService(db), ProjectService(db)
    await orgs.create(system, "acme", "Acme Inc.")
    for email, _, org_role, _ in DEMO_USERS:
        await orgs.add_member(system, "acme", email, org_role)
    await projects.create(system, "acme", "SHOP", "Web shop", "The Acme online shop, from foundations to launch.")
    for email, _, _, project_role in DEMO_USERS:
        await projects.set_member(system, "SHOP", email, project_role, org="acme")
    await PlanService(db).save(system, "SHOP", demo_plan(), expected_revision=0, message="demo plan", org="acme")
    return True
