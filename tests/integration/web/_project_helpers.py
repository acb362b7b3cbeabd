"""Helpers of the project page tests: a world with a plan, form posts, and checks every page must pass."""

from __future__ import annotations

import re
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.projects.services import PlanService
from buildrunner.spec.document import decode_plan
from tests.integration.conftest import plan_bytes
from tests.integration.web.conftest import Client, World, csrf


async def with_plan(db: AsyncSession, world: World) -> None:
    """Give WEB the demo plan (revision 1) and move ms-123 to review (revision 2)."""
    plans = PlanService(db)
    await plans.save(world.alice, "WEB", plan_bytes(), expected_revision=0, message="first upload")
    await plans.set_status(world.alice, "WEB", "ms-123", "review")


async def current(db: AsyncSession, world: World, micro_id: str) -> tuple[int, str, list[bool]]:
    """(revision, status, criteria met) of a microstep in the saved plan."""
    snapshot = await PlanService(db).get_plan(world.alice, "WEB")
    plan = decode_plan(snapshot.content)
    micro = next(m for ms in plan.milestones for s in ms.steps for m in s.microsteps if m.id == micro_id)
    return snapshot.info.number, micro.status, [c.met for c in micro.acceptance_criteria]


async def post(client: Client, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> httpx.Response:
    """A browser form post (CSRF token in the form), without following the answer's redirect."""
    return await client.post(url, data={**(data or {}), "_csrf_token": await csrf(client)}, follow_redirects=False,
                             **kwargs)


async def get(client: Client, url: str, **kwargs: Any) -> httpx.Response:
    """A GET that does not follow redirects."""
    return await client.get(url, follow_redirects=False, **kwargs)


def assert_full_page(response: httpx.Response, status: int = 200) -> str:
    """A whole, accessible page: status, html lang, one h1, main landmark, Vary, no traceback."""
    assert response.status_code == status, response.text[:2000]
    text = response.text
    assert '<html lang="en">' in text and '<main id="main"' in text and 'href="#main"' in text
    assert len(re.findall(r"<h1[\s>]", text)) == 1, "exactly one h1"
    assert response.headers["vary"] == "HX-Request"
    assert "Traceback" not in text
    return text


def assert_fragment(response: httpx.Response, status: int = 200) -> str:
    """An htmx fragment: no page around it, and Vary: HX-Request."""
    assert response.status_code == status, response.text[:2000]
    assert "<html" not in response.text and "<main" not in response.text
    assert response.headers["vary"] == "HX-Request"
    return response.text


def assert_labelled(text: str) -> None:
    """Every input, select and textarea (except hidden ones) has a label or an aria-label."""
    labels = set(re.findall(r'<label for="([^"]+)"', text))
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", text):
        if 'type="hidden"' in tag:
            continue
        control_id = re.search(r'\bid="([^"]+)"', tag)
        assert (control_id and control_id.group(1) in labels) or "aria-label=" in tag, f"unlabelled: {tag}"
