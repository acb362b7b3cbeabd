"""Project pages (HTML, HTMX-enhanced, each working without JavaScript): dashboard, plan tree, microstep,
history and diff, members, upload, the conflict log. Handlers are thin: parse, call one page service, render."""

from __future__ import annotations

from litestar import Router

from app.domain.projects.web._common import dependencies
from app.domain.projects.web._conflicts import conflict_dependencies, conflict_page, conflicts_page, resolve_conflict
from app.domain.projects.web._dashboard import create_project, dashboard, new_project
from app.domain.projects.web._history import history_page, revision_diff
from app.domain.projects.web._members import members_page, set_member_role
from app.domain.projects.web._plan import change_status, check_criterion, microstep_page, plan_tree
from app.domain.projects.web._upload import upload_form, upload_plan

__all__ = ["router"]

router = Router(
    path="/",
    route_handlers=[
        dashboard, new_project, create_project, plan_tree, microstep_page, change_status, check_criterion,
        history_page, revision_diff, members_page, set_member_role, upload_form, upload_plan,
        conflicts_page, conflict_page, resolve_conflict,
    ],
    dependencies={**dependencies(), **conflict_dependencies},
    include_in_schema=False,
)
