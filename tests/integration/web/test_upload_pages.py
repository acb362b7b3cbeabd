"""Uploading or pasting a plan: linted, findings inline with line:column, size and encoding checks."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.projects.services import PlanService, PlanTooLarge, PlanUpload
from app.domain.projects.services._upload import plan_bytes as checked_plan_bytes
from tests.integration.conftest import plan_bytes
from tests.integration.web._project_helpers import (
    assert_fragment,
    assert_full_page,
    assert_labelled,
    current,
    get,
    post,
    with_plan,
)
from tests.integration.web.conftest import HX, Client, World, sign_in


async def test_upload_form(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "bob@example.com")
    text = assert_full_page(await get(client, "/p/WEB/upload"))
    assert 'enctype="multipart/form-data"' in text and 'type="file"' in text and "<textarea" in text
    assert '<input type="hidden" name="revision" value="2">' in text
    assert_labelled(text)
    assert '<form id="upload-form"' in assert_fragment(await get(client, "/p/WEB/upload", headers=HX))


@pytest.mark.parametrize(("who", "status"), [("carol", 403), ("dan", 403), ("eve", 404)])
async def test_upload_is_for_pms_and_tech_leads(client: Client, db: AsyncSession, world: World, who: str,
                                                status: int) -> None:
    await with_plan(db, world)
    await sign_in(client, db, f"{who}@example.com")
    assert (await get(client, "/p/WEB/upload")).status_code == status
    assert (await post(client, "/p/WEB/upload", files={"plan": (None, plan_bytes(x=1).decode())})).status_code == status
    assert (await current(db, world, "ms-123"))[0] == 2


async def test_paste_a_plan(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    response = await post(client, "/p/WEB/upload", files={"plan": (None, plan_bytes(x="é ☕").decode()),
                                                         "revision": (None, "2"), "message": (None, "from a paste")})
    assert response.status_code == 303 and response.headers["location"] == "/p/WEB"
    assert "Revision 3 saved." in (await get(client, "/p/WEB")).text
    revisions = await PlanService(db).list_revisions(world.alice, "WEB")
    assert (revisions[0].number, revisions[0].message) == (3, "from a paste")


async def test_upload_a_file_and_again_unchanged(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "bob@example.com")
    files = {"file": ("plan.json", plan_bytes(), "application/json"), "plan": (None, "")}
    assert (await post(client, "/p/WEB/upload", files=files)).headers["location"] == "/p/WEB"
    again = await post(client, "/p/WEB/upload", files=files)
    assert again.status_code == 303
    assert "The plan is unchanged (revision 1)." in (await get(client, "/p/WEB")).text


async def test_lint_findings_are_shown_inline_and_nothing_is_saved(client: Client, db: AsyncSession,
                                                                   world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    raw = json.loads(plan_bytes())
    del raw["project"]
    raw["milestones"][0]["steps"][0]["microsteps"][1]["id"] = "ms-111"
    text = assert_full_page(await post(client, "/p/WEB/upload", files={"plan": (None, json.dumps(raw, indent=2))}),
                            status=422)
    assert 'role="alert"' in text and 'id="plan-findings"' in text
    assert 'aria-invalid="true" aria-describedby="upload-error plan-findings"' in text  # tied to the textarea
    assert "<code>BR003</code> line 1, column 1 · <code>$</code>" in text
    assert re.search(r"<code>BR004</code> line \d+, column \d+ · <code>\$\.milestones\[0\]", text)
    assert "&#34;milestones&#34;" in text  # the pasted text comes back for fixing
    assert (await current(db, world, "ms-123"))[0] == 2


async def test_json_syntax_errors_have_a_position(client: Client, db: AsyncSession, world: World) -> None:
    await sign_in(client, db, "alice@example.com")
    files = {"file": ("plan.json", b'{\n  "version": 1,\n  "project": {"name": "x"},,\n}', "application/json")}
    text = assert_fragment(await post(client, "/p/WEB/upload", files=files, headers=HX), status=422)
    assert "<code>BR001</code> line 3, column 28" in text and 'id="file"' in text
    assert 'aria-invalid="true" aria-describedby="upload-error plan-findings"' in text


@pytest.mark.parametrize(("files", "message"), [
    ({"file": ("plan.json", b"\xff\xfe{}", "application/json")}, "not UTF-8"),
    ({"file": ("plan.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png")}, "binary"),
    ({"plan": (None, "")}, "choose a plan.json file or paste"),
    ({"file": ("plan.json", b"{}", "application/json"), "plan": (None, "{}")}, "not both"),
    ({"plan": (None, '{"version": 1, "project": {"name": "\x00"}}')}, "binary"),
    ({"plan": (None, "{}"), "revision": (None, "99999999999999999999")}, "whole number"),
    ({"plan": (None, "{}"), "message": (None, "a\x00b")}, "NUL"),
])
async def test_bad_uploads_are_4xx_with_a_message(client: Client, db: AsyncSession, world: World,
                                                  files: dict[str, tuple[str | None, object]], message: str) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    response = await post(client, "/p/WEB/upload", files=files)
    assert response.status_code == 422 and message in response.text, response.text[-3000:]
    assert (await current(db, world, "ms-123"))[0] == 2


async def test_too_large_uploads_get_413(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    files = {"file": ("plan.json", b" " * 250_000 + plan_bytes(), "application/json")}
    response = await post(client, "/p/WEB/upload", files=files)
    assert response.status_code == 413 and "larger than the server accepts (200 kB)" in response.text
    assert (await current(db, world, "ms-123"))[0] == 2


def test_the_plan_limit_is_checked_before_linting() -> None:
    with pytest.raises(PlanTooLarge) as refused:
        checked_plan_bytes(PlanUpload(text="{" + " " * 2000 + "}"), max_bytes=1000)
    assert refused.value.status == 413 and "the limit is 1 kB" in refused.value.detail


async def test_a_stale_upload_is_refused(client: Client, db: AsyncSession, world: World) -> None:
    await with_plan(db, world)
    await sign_in(client, db, "alice@example.com")
    response = await post(client, "/p/WEB/upload", files={"plan": (None, plan_bytes(x=1).decode()),
                                                          "revision": (None, "1")})
    assert response.status_code == 412 and "the plan changed" in response.text
    assert '<input type="hidden" name="revision" value="2">' in response.text
    assert (await current(db, world, "ms-123"))[0] == 2
