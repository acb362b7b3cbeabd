"""Timeline services (framework-free): a project's ledger entries as events in words, and its burn-up."""

from __future__ import annotations

from app.domain.timeline.services._burnup import MAX_POINTS, BurnupChart, ChartLabel, Tick, burnup_chart, downsample
from app.domain.timeline.services._describe import kind_of
from app.domain.timeline.services._filters import MAX_LIMIT, MAX_SEQ, TimelineQuery, check_filters
from app.domain.timeline.services._service import TimelineError, TimelineService, TimelineView

__all__ = [
    "MAX_LIMIT",
    "MAX_POINTS",
    "MAX_SEQ",
    "BurnupChart",
    "ChartLabel",
    "Tick",
    "TimelineError",
    "TimelineQuery",
    "TimelineService",
    "TimelineView",
    "burnup_chart",
    "check_filters",
    "downsample",
    "kind_of",
]
