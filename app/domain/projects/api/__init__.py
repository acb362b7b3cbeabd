"""JSON API for projects, plans, revisions, microsteps and members: thin handlers over the project services."""

from __future__ import annotations

from litestar import Router

from app.domain.projects.api._common import etag, parse_if_match, project_dependencies
from app.domain.projects.api._microsteps import check_criterion, get_microstep, list_microsteps, set_status
from app.domain.projects.api._plans import get_plan, get_revision, list_revisions, put_plan
from app.domain.projects.api._projects import create_project, get_project, list_members, list_projects, set_member

__all__ = ["etag", "parse_if_match", "router"]

router = Router(
    path="/",
    route_handlers=[
        list_projects, create_project, get_project, list_members, set_member,
        get_plan, put_plan, list_revisions, get_revision,
        list_microsteps, get_microstep, set_status, check_criterion,
    ],
    dependencies=project_dependencies,
    tags=["projects"],
)
