"""Project services (framework-free): projects and members, plan revisions and microstep edits."""

from __future__ import annotations

from app.domain.projects.services._plans import PlanService
from app.domain.projects.services._projects import ProjectService

__all__ = ["PlanService", "ProjectService"]
