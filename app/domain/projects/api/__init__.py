"""JSON API for projects, plans, revisions, microsteps, members and the conflict log: thin handlers over the project
services."""

from __future__ import annotations

from litestar import Router

from app.domain.projects.api._common import etag, parse_if_match, project_dependencies
from app.domain.projects.api._conflicts import get_conflict, list_conflicts, resolve_conflict
from app.domain.projects.api._microsteps import check_criterion, get_microstep, list_microsteps, set_status
from app.domain.projects.api._plans import (
    get_plan,
    get_plan_delta,
    get_revision,
    list_revisions,
    patch_plan,
    put_plan,
)
from app.domain.projects.api._projects import create_project, get_project, list_members, list_projects, set_member
from app.domain.projects.api._sync_support import sync_dependencies

__all__ = ["etag", "parse_if_match", "router"]

router = Router(
    path="/",
    route_handlers=[
        list_projects, create_project, get_project, list_members, set_member,
        get_plan, put_plan, patch_plan, get_plan_delta, list_revisions, get_revision,
        list_microsteps, get_microstep, set_status, check_criterion,
        list_conflicts, get_conflict, resolve_conflict,
    ],
    dependencies={**project_dependencies, **sync_dependencies},
    tags=["projects"],
)
