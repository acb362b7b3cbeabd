"""Every router of the app, in one list: a new domain area adds its ``web`` router here (JSON routers join
``app.server.api``)."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from app.domain.accounts import web as accounts_web
from app.domain.audit import web as audit_web
from app.domain.comments import web as comments_web
from app.domain.governance import web as governance_web
from app.domain.live import web as live_web
from app.domain.mail import web as mail_web
from app.domain.notifications import web as notifications_web
from app.domain.orgs import web as orgs_web
from app.domain.projects import web as projects_web
from app.domain.teams import web as teams_web
from app.domain.timeline import web as timeline_web
from app.server.api import api_router
from app.server.health import healthz
from app.server.jobs_web import router as jobs_router

__all__ = ["route_handlers"]


def route_handlers() -> list[ControllerRouterHandler]:
    """The route handlers and routers of the app."""
    return [healthz, api_router(), accounts_web.router, orgs_web.router, mail_web.router,
            projects_web.router, audit_web.router,
            comments_web.router, teams_web.router, governance_web.router, timeline_web.router, jobs_router,
            notifications_web.router, live_web.router]
