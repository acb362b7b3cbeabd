"""Field-level three-way merge of Build Specs, shared by the CLI (`br sync`) and the server."""

from buildrunner.merge._tree import MergeResult, merge_elements, merge_order, merge_plans
from buildrunner.merge._values import Conflict

__all__ = ["Conflict", "MergeResult", "merge_elements", "merge_order", "merge_plans"]
