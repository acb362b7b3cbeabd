"""The burn-up: each revision's counts (stored when it is saved), downsampling, and the chart's geometry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import PlanRevision, Project
from app.domain.projects.services import PlanService
from app.domain.timeline.schemas import BurnupPoint
from app.domain.timeline.services import MAX_POINTS, TimelineService, burnup_chart, downsample
from app.lib.errors import ValidationFailed
from tests.integration.conftest import World, plan_bytes

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _with_microstep(plan: dict[str, Any], micro_id: str) -> dict[str, Any]:
    tree: dict[str, Any] = json.loads(json.dumps(plan))
    tree["milestones"][1]["steps"][0]["microsteps"].append({"id": micro_id, "title": "One more", "status": "todo"})
    return tree


def _without_microstep(plan: dict[str, Any], micro_id: str) -> dict[str, Any]:
    tree: dict[str, Any] = json.loads(json.dumps(plan))
    for milestone in tree["milestones"]:
        for step in milestone["steps"]:
            step["microsteps"] = [micro for micro in step["microsteps"] if micro["id"] != micro_id]
    return tree


async def test_each_revision_keeps_microsteps_done_and_in_all(db: AsyncSession, world: World) -> None:
    plans = PlanService(db)
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0)  # 6 of 30 done
    await plans.check_criterion(world.carol, "WEB", "ms-132", "c2")
    await plans.set_status(world.carol, "WEB", "ms-132", "done")  # 7 of 30
    current = json.loads((await plans.get_plan(world.alice, "WEB")).content)
    await plans.save(world.alice, "WEB", json.dumps(_with_microstep(current, "ms-214")).encode(),
                     expected_revision=3)  # 7 of 31: the scope grew
    current = json.loads((await plans.get_plan(world.alice, "WEB")).content)
    await plans.save(world.alice, "WEB", json.dumps(_without_microstep(current, "ms-134")).encode(),
                     expected_revision=4)  # 7 of 30: a microstep left the plan
    await plans.set_status(world.bob, "WEB", "ms-211", "review")  # 7 of 30 (review is not done)
    burnup = await TimelineService(db).burnup(world.dan, "WEB")
    assert [(p.revision, p.done, p.total) for p in burnup.points] == [
        (1, 6, 30), (2, 6, 30), (3, 7, 30), (4, 7, 31), (5, 7, 30), (6, 7, 30)]
    assert burnup.revisions == 6 and not burnup.downsampled
    assert [p.created_at for p in burnup.points] == sorted(p.created_at for p in burnup.points)
    project = await db.scalar(select(Project).where(Project.key == "WEB"))
    assert project is not None and project.count_done == burnup.points[-1].done  # the same count as the project's


async def test_a_long_history_is_downsampled(db: AsyncSession, world: World) -> None:
    project = await db.scalar(select(Project).where(Project.key == "WEB"))
    assert project is not None
    db.add_all(PlanRevision(project_id=project.id, number=number, snapshot="{}", content_hash="0" * 64,
                            done_count=number // 3, total_count=400, created_at=START + timedelta(hours=number))
               for number in range(1, 1001))
    await db.commit()
    timeline = TimelineService(db)
    burnup = await timeline.burnup(world.alice, "WEB")
    assert burnup.revisions == 1000 and burnup.downsampled and len(burnup.points) <= MAX_POINTS
    assert burnup.points[0].revision == 1 and burnup.points[-1] == BurnupPoint(
        revision=1000, created_at=START + timedelta(hours=1000), done=333, total=400)
    few = await timeline.burnup(world.alice, "WEB", points=10)
    assert len(few.points) <= 10 and few.points[-1].revision == 1000
    with pytest.raises(ValidationFailed) as refused:
        await timeline.burnup(world.alice, "WEB", points=1)
    assert refused.value.field == "points"


def _points(times: list[datetime]) -> list[BurnupPoint]:
    return [BurnupPoint(revision=index + 1, created_at=moment, done=index, total=len(times))
            for index, moment in enumerate(times)]


def test_downsampling_keeps_the_first_point_and_the_last_of_each_stretch() -> None:
    points = _points([START + timedelta(minutes=minute) for minute in range(1000)])
    kept = downsample(points, 200)
    assert len(kept) <= 200 and kept[0] == points[0] and kept[-1] == points[-1]
    assert [p.revision for p in kept] == sorted(p.revision for p in kept)
    span = (points[-1].created_at - points[1].created_at) / 199
    for point in kept[1:-1]:  # each kept point is the last of its stretch: the next revision is in the next one
        following = points[point.revision]  # revisions count from 1, so this is the next point
        stretch = int((point.created_at - points[1].created_at) / span)
        assert int((following.created_at - points[1].created_at) / span) > stretch
    assert downsample(points[:200], 200) == points[:200]
    burst = _points([START] * 500)  # everything at once: the first and the last
    assert downsample(burst, 200) == [burst[0], burst[-1]]
    uneven = _points([START + timedelta(days=day) for day in (0, 1, 2, *range(300, 400))])
    assert len(downsample(uneven, 50)) <= 50 and downsample(uneven, 50)[-1] == uneven[-1]


def test_the_chart_draws_both_lines_within_its_axes() -> None:
    assert burnup_chart([]) is None
    points = [BurnupPoint(revision=1, created_at=START, done=6, total=30),
              BurnupPoint(revision=2, created_at=START + timedelta(days=10), done=20, total=31),
              BurnupPoint(revision=3, created_at=START + timedelta(days=20), done=31, total=31)]
    chart = burnup_chart(points)
    assert chart is not None
    assert [tick.label for tick in chart.y_ticks] == ["0", "10", "20", "30", "40"]
    assert [tick.label for tick in chart.x_ticks] == ["2026-01-05", "2026-01-10", "2026-01-15", "2026-01-20",
                                                      "2026-01-25"]
    assert chart.x_ticks[0].at == chart.left and chart.x_ticks[-1].at == chart.right
    assert chart.done_path.startswith(f"M{chart.left:.1f} ") and chart.done_path.count("H") == 2
    assert chart.total_path.count("V") == 2 and len(chart.markers) == 3
    assert chart.done_label.value == 31 and chart.total_label.value == 31
    assert chart.total_label.y <= chart.done_label.y - 20  # equal values: the labels are kept apart
    for _x, y in chart.markers:
        assert chart.top <= y <= chart.bottom
    one = burnup_chart(points[:1])
    assert one is not None and one.done_path.endswith(f"H{one.right:.1f}") and len(one.x_ticks) == 1
    short = burnup_chart([points[0], BurnupPoint(revision=2, created_at=START + timedelta(hours=5), done=7,
                                                 total=30)])
    assert short is not None and short.x_ticks[0].label == "01-05 09:00"
