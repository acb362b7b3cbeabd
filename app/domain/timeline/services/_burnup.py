"""The burn-up chart: at most a few hundred points of a project's revisions, and the geometry the page draws.

The page draws the chart as server-side SVG (no JavaScript): two step lines, microsteps done and microsteps in all
(the plan's scope), over the time the revisions were saved. This module computes the coordinates (in the SVG's
user units; the page scales the whole drawing), the axes' ticks and where the end labels go; the template only
writes them out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Final

import msgspec

from app.domain.timeline.schemas import BurnupPoint

__all__ = ["MAX_POINTS", "BurnupChart", "ChartLabel", "Tick", "burnup_chart", "downsample"]

MAX_POINTS: Final = 200
WIDTH: Final = 680
HEIGHT: Final = 340
# Room for the count labels on the left, the end labels ("Done: 120") on the right, the axes' titles and dates.
_LEFT, _RIGHT, _TOP, _BOTTOM = 64.0, WIDTH - 150.0, 40.0, HEIGHT - 64.0
_X_TICKS: Final = 5
_Y_TICKS: Final = 5
_LABEL_GAP: Final = 20.0  # the end labels' minimum vertical distance (a line of 16-unit text)
_MARKERS: Final = 60  # at most this many points get a dot on the "done" line


def downsample(points: Sequence[BurnupPoint], limit: int = MAX_POINTS) -> list[BurnupPoint]:
    """At most ``limit`` points (``limit`` ≥ 2): the first, then the last point of each of ``limit - 1`` equal
    stretches of time. The last point is always kept, so the chart ends at the current state."""
    if len(points) <= limit:
        return list(points)
    first, rest = points[0], points[1:]
    start = rest[0].created_at
    span = (rest[-1].created_at - start).total_seconds()
    buckets = limit - 1
    if span <= 0:
        return [first, rest[-1]]
    kept: dict[int, BurnupPoint] = {}
    for point in rest:
        index = min(int((point.created_at - start).total_seconds() / span * buckets), buckets - 1)
        kept[max(index, 0)] = point  # points come oldest first: the last one of a stretch wins
    kept[buckets - 1] = rest[-1]  # a clock that stepped back must not drop the current state
    return [first, *sorted(kept.values(), key=lambda point: point.revision)]


class Tick(msgspec.Struct, frozen=True, kw_only=True):
    """An axis tick: its position along the axis (user units) and its label."""

    at: float
    label: str


class ChartLabel(msgspec.Struct, frozen=True, kw_only=True):
    """Where a line's end label goes, and the value it shows."""

    x: float
    y: float
    value: int


class BurnupChart(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the template draws. ``left``/``right``/``top``/``bottom`` bound the plot area."""

    width: int
    height: int
    left: float
    right: float
    top: float
    bottom: float
    done_path: str
    total_path: str
    markers: list[tuple[float, float]]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    done_label: ChartLabel
    total_label: ChartLabel
    first: BurnupPoint
    last: BurnupPoint


def _nice_step(largest: int) -> int:
    """A round tick step (1, 2 or 5 times a power of ten) giving about five ticks up to ``largest``."""
    raw = max(largest, 1) / _Y_TICKS
    power: int = 10 ** max(math.floor(math.log10(raw)), 0)
    return next((step * power for step in (1, 2, 5, 10) if step * power >= raw), 10 * power)


def _date_format(span: timedelta) -> str:
    return "%Y-%m-%d" if span >= timedelta(days=2) else "%m-%d %H:%M"


def _step_path(coordinates: list[tuple[float, float]], right: float) -> str:
    """An SVG path holding each value until the next point (and the only value across the plot, for one point)."""
    (x0, y0), *rest = coordinates
    parts = [f"M{x0:.1f} {y0:.1f}"]
    for x, y in rest:
        parts.append(f"H{x:.1f}V{y:.1f}")
    if not rest:
        parts.append(f"H{right:.1f}")
    return "".join(parts)


def _labels(done_y: float, total_y: float) -> tuple[float, float]:
    """End label heights kept apart; "all" goes above "done" (it is never lower)."""
    if done_y - total_y >= _LABEL_GAP:
        return done_y, total_y
    middle = (done_y + total_y) / 2
    return min(middle + _LABEL_GAP / 2, _BOTTOM), min(middle + _LABEL_GAP / 2, _BOTTOM) - _LABEL_GAP


def burnup_chart(points: Sequence[BurnupPoint]) -> BurnupChart | None:
    """The drawing of ``points`` (oldest first; ``None`` when there are none)."""
    if not points:
        return None
    start, end = points[0].created_at, points[-1].created_at
    span = end - start
    seconds = span.total_seconds()
    largest = max(1, *(point.total for point in points))
    step = _nice_step(largest)
    top_value = step * math.ceil(largest / step)

    def x_of(moment: datetime) -> float:
        return _LEFT if seconds <= 0 else _LEFT + (moment - start).total_seconds() / seconds * (_RIGHT - _LEFT)

    def y_of(value: int) -> float:
        return _BOTTOM - value / top_value * (_BOTTOM - _TOP)

    done = [(x_of(point.created_at), y_of(point.done)) for point in points]
    total = [(x_of(point.created_at), y_of(point.total)) for point in points]
    end_x = _RIGHT if seconds <= 0 else done[-1][0]
    done_y, total_y = _labels(done[-1][1], total[-1][1])
    shown = _date_format(span)
    ticks = 1 if seconds <= 0 else _X_TICKS
    x_ticks = [Tick(at=x_of(start + span * (index / max(ticks - 1, 1))),
                    label=(start + span * (index / max(ticks - 1, 1))).strftime(shown)) for index in range(ticks)]
    return BurnupChart(
        width=WIDTH, height=HEIGHT, left=_LEFT, right=_RIGHT, top=_TOP, bottom=_BOTTOM,
        done_path=_step_path(done, _RIGHT), total_path=_step_path(total, _RIGHT),
        markers=done if len(done) <= _MARKERS else [],
        x_ticks=x_ticks,
        y_ticks=[Tick(at=y_of(value), label=str(value)) for value in range(0, top_value + 1, step)],
        done_label=ChartLabel(x=end_x + 8, y=done_y, value=points[-1].done),
        total_label=ChartLabel(x=end_x + 8, y=total_y, value=points[-1].total),
        first=points[0], last=points[-1],
    )
