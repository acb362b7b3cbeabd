"""Project services (framework-free): projects and members, plan revisions and microstep edits, sync (merged
pushes, deltas, the conflict log, idempotent writes)."""

from __future__ import annotations

from app.domain.projects.services._conflict_values import (
    CONFLICT_STATUSES,
    ConflictDetail,
    ConflictItem,
    ConflictListing,
    ConflictPage,
    ConflictResolve,
    ConflictResolved,
    ConflictStatus,
    ConflictSummary,
    MergeConflicts,
    Resolution,
    resolutions_from_form,
)
from app.domain.projects.services._conflicts import MAX_LISTED, ConflictService
from app.domain.projects.services._diff import HistoryService, diff_plans
from app.domain.projects.services._idempotency import (
    Claim,
    IdempotencyService,
    StoredAnswer,
    request_hash,
)
from app.domain.projects.services._members import MemberService
from app.domain.projects.services._microstep_view import MicrostepViewService
from app.domain.projects.services._microsteps import MicrostepService
from app.domain.projects.services._plan_events import PlanRevisionEvent
from app.domain.projects.services._plans import PlanService
from app.domain.projects.services._projects import ProjectService
from app.domain.projects.services._sync import PlanDelta, PlanPatch, PlanPatched, PlanPushed, PlanSyncService
from app.domain.projects.services._tree import PAGE_SIZE, PlanTreeService, TreeFilters
from app.domain.projects.services._upload import PlanTooLarge, PlanUpload, PlanUploadService

__all__ = [
    "CONFLICT_STATUSES",
    "MAX_LISTED",
    "PAGE_SIZE",
    "Claim",
    "ConflictDetail",
    "ConflictItem",
    "ConflictListing",
    "ConflictPage",
    "ConflictResolve",
    "ConflictResolved",
    "ConflictService",
    "ConflictStatus",
    "ConflictSummary",
    "HistoryService",
    "IdempotencyService",
    "MemberService",
    "MergeConflicts",
    "MicrostepService",
    "MicrostepViewService",
    "PlanDelta",
    "PlanPatch",
    "PlanPatched",
    "PlanPushed",
    "PlanRevisionEvent",
    "PlanService",
    "PlanSyncService",
    "PlanTooLarge",
    "PlanTreeService",
    "PlanUpload",
    "PlanUploadService",
    "ProjectService",
    "Resolution",
    "StoredAnswer",
    "TreeFilters",
    "diff_plans",
    "request_hash",
    "resolutions_from_form",
]
