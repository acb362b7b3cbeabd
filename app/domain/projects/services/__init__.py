"""Project services (framework-free): projects and members, plan revisions and microstep edits."""

from __future__ import annotations

from app.domain.projects.services._diff import HistoryService, diff_plans
from app.domain.projects.services._members import MemberService
from app.domain.projects.services._microstep_view import MicrostepViewService
from app.domain.projects.services._microsteps import MicrostepService
from app.domain.projects.services._plans import PlanService
from app.domain.projects.services._projects import ProjectService
from app.domain.projects.services._tree import PAGE_SIZE, PlanTreeService, TreeFilters
from app.domain.projects.services._upload import PlanTooLarge, PlanUpload, PlanUploadService

__all__ = [
    "PAGE_SIZE",
    "HistoryService",
    "MemberService",
    "MicrostepService",
    "MicrostepViewService",
    "PlanService",
    "PlanTooLarge",
    "PlanTreeService",
    "PlanUpload",
    "PlanUploadService",
    "ProjectService",
    "TreeFilters",
    "diff_plans",
]
