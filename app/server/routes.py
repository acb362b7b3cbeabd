"""Every router of the app, in one list: a new domain area adds its ``web``/``api`` routers here."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from app.domain.accounts import web as accounts_web
from app.domain.projects import api as projects_api
from app.server.health import healthz

__all__ = ["route_handlers"]


def route_handlers() -> list[ControllerRouterHandler]:
    """The route handlers and routers of the app."""
    return [healthz, projects_api.router, accounts_web.router]
