"""Dependencies handlers ask for by name: ``principal`` and the services, bound to the request's session.

A service provider takes the ``principal`` (services are for signed-in callers) and the request, whose session
it opens only when the service first queries. Depending on ``principal`` also makes Litestar resolve the two one
after the other: dependencies that do not depend on each other are resolved in an anyio task group, which costs
more per request than both providers together (litestar-org/litestar#4563).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.guards import current_principal
from app.domain.accounts.schemas import Principal
from app.domain.projects.services import PlanService, ProjectService
from app.server.database import request_session

__all__ = ["dependencies", "service"]


def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    """The caller; anonymous requests get 401 (problem+json) or the error page."""
    return current_principal(request)


def service(factory: Callable[[AsyncSession], Any]) -> Provide:
    """A dependency giving ``factory(session)`` to a signed-in caller, on the request's (lazily opened) session."""

    def provide(principal: NamedDependency[Principal], request: Request[Any, Any, Any]) -> Any:
        del principal  # asked for to order the resolution (see the module docstring); the guard checked it
        return factory(request_session(request))

    return Provide(provide, sync_to_thread=False)


dependencies: dict[str, Provide] = {
    "principal": Provide(provide_principal, sync_to_thread=False),
    "projects": service(ProjectService),
    "plans": service(PlanService),
}
