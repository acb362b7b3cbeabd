"""Dependencies handlers ask for by name: ``principal`` and the services, bound to the request's session."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.guards import current_principal
from app.domain.accounts.schemas import Principal
from app.domain.projects.services import PlanService, ProjectService

__all__ = ["dependencies"]


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller; anonymous requests get 401 (problem+json) or the error page."""
    return current_principal(request)


def provide_project_service(db_session: NamedDependency[AsyncSession]) -> ProjectService:
    """Projects, on the request's session."""
    return ProjectService(db_session)


def provide_plan_service(db_session: NamedDependency[AsyncSession]) -> PlanService:
    """Plans, on the request's session."""
    return PlanService(db_session)


dependencies: dict[str, Provide] = {
    "principal": Provide(provide_principal, sync_to_thread=False),
    "projects": Provide(provide_project_service, sync_to_thread=False),
    "plans": Provide(provide_plan_service, sync_to_thread=False),
}
