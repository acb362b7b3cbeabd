"""Field-level three-way merge of Build Specs, shared by the CLI (`br sync`) and the server."""

from buildrunner.merge._delta import DeltaError, apply_delta, diff
from buildrunner.merge._resolve import Choice, conflict_id, resolve, resolve_all
from buildrunner.merge._tree import MergeResult, merge_elements, merge_order, merge_plans
from buildrunner.merge._values import Conflict

__all__ = [
    "Choice", "Conflict", "DeltaError", "MergeResult", "apply_delta", "conflict_id", "diff", "merge_elements",
    "merge_order", "merge_plans", "resolve", "resolve_all",
]
