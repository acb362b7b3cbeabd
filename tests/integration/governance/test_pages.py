"""The governance pages: full page and HTMX fragment per handler, forms with CSRF, refusals shown in words.

Pages add rendering, not SQL: like the other page tests they run on SQLite only (the services run on both).
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.governance.services import ApprovalService, PolicyService
from app.server.csrf import CSRF_COOKIE
from tests.conftest import sqlite_only
from tests.integration.conftest import Client
from tests.integration.governance.conftest import Gov, mailbox
from tests.integration.web._project_helpers import assert_fragment, assert_full_page, assert_labelled, get, post
from tests.integration.web.conftest import HX, sign_in

NEW_POLICY = "status_gates:\n  done:\n    roles: [QA]\n"


database_url = sqlite_only()


async def pending_request(db: AsyncSession, gov: Gov) -> str:
    asked = await ApprovalService(db).request(gov.carol, "WEB", "milestone_completion", "m-1", "ready")
    return str(asked.id)


# -- the policy page --------------------------------------------------------------------------------------------


async def test_policy_page_shows_the_policy_in_words_and_yaml(client: Client, db: AsyncSession, gov: Gov) -> None:
    await sign_in(client, db, "alice@example.com")
    text = assert_full_page(await get(client, "/p/WEB/policy"))
    assert "<h1>Policy of Web shop</h1>" in text and "The default policy" in text
    assert "Only TechLead or QA may move a microstep to" in text and "Every acceptance criterion must be met" in text
    assert "Completing a milestone needs approval by TechLead." in text
    assert "approvals:\n  milestone_completion: [TechLead]" in text
    assert 'aria-current="page">Policy</a>' in text and 'href="/p/WEB/approvals"' in text
    assert 'method="post" action="/p/WEB/policy"' in text and 'name="_csrf_token"' in text
    assert "Check and request approval" in text and "becomes a request that needs approval by TechLead" in text
    assert_labelled(text)
    fragment = assert_fragment(await get(client, "/p/WEB/policy", headers=HX))
    assert fragment.startswith('<div id="policy-form">')


async def test_viewers_read_the_policy_but_get_no_form(client: Client, db: AsyncSession, gov: Gov) -> None:
    await sign_in(client, db, "dan@example.com")
    text = assert_full_page(await get(client, "/p/WEB/policy"))
    assert "<textarea" not in text and "cannot change the policy; a PM or TechLead can" in text
    await sign_in(client, db, "eve@example.com")
    assert (await get(client, "/p/WEB/policy")).status_code == 404


async def test_a_governed_upload_leads_to_its_request(client: Client, db: AsyncSession, gov: Gov) -> None:
    await sign_in(client, db, "alice@example.com")
    answer = await post(client, "/p/WEB/policy", {"policy": NEW_POLICY, "comment": "QA owns done"})
    assert answer.status_code == 303
    assert re.fullmatch(r"/p/WEB/approvals/[0-9a-f-]{36}", answer.headers["location"])
    page = assert_full_page(await get(client, answer.headers["location"]))
    assert "The change waits for approval: it needs approval by TechLead." in page
    assert "<h2 id=\"proposed-heading\">The proposed policy</h2>" in page and "roles: [QA]" in page
    assert "QA owns done" in page
    assert sorted(m.recipient for m in await mailbox(db)) == ["bob@example.com", "gus@example.com"]
    hx = await post(client, "/p/WEB/policy", {"policy": "version: 1\n"}, headers=HX)
    assert hx.status_code == 200 and hx.headers["hx-redirect"].startswith("/p/WEB/approvals/")


async def test_findings_come_back_inline(client: Client, db: AsyncSession, gov: Gov) -> None:
    await sign_in(client, db, "alice@example.com")
    bad = "version: 1\nsync_backof: {}\n"
    text = assert_full_page(await post(client, "/p/WEB/policy", {"policy": bad}), 422)
    assert "the policy has 1 problem; fix it and upload again" in text
    assert "<code>POL005</code> line 2, column 1 · <code>sync_backof</code>" in text
    assert 'aria-invalid="true" aria-describedby="policy-error policy-findings"' in text
    assert bad in text  # the paste is kept
    fragment = assert_fragment(await post(client, "/p/WEB/policy", {"policy": bad}, headers=HX), 422)
    assert 'id="policy-findings"' in fragment
    nul = assert_full_page(await post(client, "/p/WEB/policy", {"policy": "version: 1\n\x00"}), 422)
    assert "must not contain NUL" in nul


async def test_an_ungoverned_upload_applies(client: Client, db: AsyncSession, gov: Gov) -> None:
    from tests.integration.governance.conftest import set_policy  # noqa: PLC0415

    await set_policy(db, "version: 1\n")
    await sign_in(client, db, "bob@example.com")
    answer = await post(client, "/p/WEB/policy", {"policy": NEW_POLICY})
    assert (answer.status_code, answer.headers["location"]) == (303, "/p/WEB/policy")
    page = assert_full_page(await get(client, "/p/WEB/policy"))
    assert "The new policy is in force." in page and "Set by bob@example.com" in page
    same = await post(client, "/p/WEB/policy", {"policy": NEW_POLICY})
    assert "nothing changed" in assert_full_page(await get(client, same.headers["location"]))


async def test_the_policy_form_needs_a_csrf_token(client: Client, db: AsyncSession, gov: Gov) -> None:
    await sign_in(client, db, "alice@example.com")
    client.cookies.delete(CSRF_COOKIE)
    answer = await client.post("/p/WEB/policy", data={"policy": NEW_POLICY}, follow_redirects=False)
    assert answer.status_code == 403
    assert await PolicyService(db).get(gov.alice, "WEB") is not None and not await mailbox(db)


# -- the approvals list -----------------------------------------------------------------------------------------


async def test_approvals_list_and_filter(client: Client, db: AsyncSession, gov: Gov) -> None:
    approval_id = await pending_request(db, gov)
    await sign_in(client, db, "cody@example.com")
    text = assert_full_page(await get(client, "/p/WEB/approvals"))
    assert "<h1>Approvals in Web shop</h1>" in text and "1 request." in text
    assert f'href="/p/WEB/approvals/{approval_id}"' in text and "<code>m-1</code>" in text
    assert "completing a milestone" in text and "needs approval by TechLead" in text
    assert '<option value="milestone_completion"' in text and '<option value="m-1">' in text  # the request form
    assert 'hx-get="/p/WEB/approvals"' in text
    assert_labelled(text)
    decided = assert_fragment(await get(client, "/p/WEB/approvals?status=decided", headers=HX))
    assert decided.startswith('<div id="approval-entries">') and "0 requests." in decided
    assert (await get(client, "/p/WEB/approvals?status=open")).status_code == 422


async def test_request_an_approval_from_the_page(client: Client, db: AsyncSession, gov: Gov) -> None:
    await sign_in(client, db, "carol@example.com")
    answer = await post(client, "/p/WEB/approvals", {"transition": "milestone_completion", "target": "m-2",
                                                     "comment": "done on my side"})
    assert answer.status_code == 303
    page = assert_full_page(await get(client, answer.headers["location"]))
    assert "Approval requested: it needs approval by TechLead." in page and "done on my side" in page
    again = await post(client, "/p/WEB/approvals", {"transition": "milestone_completion", "target": "m-2"},
                       headers=HX)
    fragment = assert_fragment(again, 409)
    assert fragment.startswith('<div id="request-form">') and "already pending" in fragment
    unknown = assert_full_page(await post(client, "/p/WEB/approvals", {"transition": "go_live", "target": "m-1"}), 422)
    assert "unknown transition &#39;go_live&#39;" in unknown
    assert 'aria-invalid="true" aria-describedby="transition-error"' in unknown


# -- one request ------------------------------------------------------------------------------------------------


async def test_a_techlead_sees_the_buttons_and_approves(client: Client, db: AsyncSession, gov: Gov) -> None:
    approval_id = await pending_request(db, gov)
    url = f"/p/WEB/approvals/{approval_id}"
    await sign_in(client, db, "bob@example.com")
    text = assert_full_page(await get(client, url))
    assert "<h1>Approval request: completing a milestone</h1>" in text
    assert 'value="approve">Approve</button>' in text and 'value="deny"' in text and "ready" in text
    assert_labelled(text)
    assert assert_fragment(await get(client, url, headers=HX)).startswith('<div id="approval">')
    done = await post(client, url, {"decision": "approve", "comment": "ship it"}, headers=HX)
    fragment = assert_fragment(done)
    assert "The request is approved." in fragment and "ship it" in fragment and 'value="approve"' not in fragment
    again = assert_full_page(await post(client, url, {"decision": "approve"}), 409)
    assert "approved already" in again


async def test_a_contributor_is_told_who_may_decide(client: Client, db: AsyncSession, gov: Gov) -> None:
    approval_id = await pending_request(db, gov)
    url = f"/p/WEB/approvals/{approval_id}"
    await sign_in(client, db, "cody@example.com")
    text = assert_full_page(await get(client, url))
    assert "this request needs approval by TechLead; your role in WEB is Contributor" in text
    assert 'value="approve"' not in text and 'value="comment"' in text
    refused = assert_full_page(await post(client, url, {"decision": "approve"}), 403)
    assert "your role in WEB is Contributor" in refused
    commented = await post(client, url, {"decision": "comment", "comment": "I can help"})
    assert commented.status_code == 303
    assert "Comment added." in assert_full_page(await get(client, commented.headers["location"]))
    empty = assert_full_page(await post(client, url, {"decision": "comment", "comment": " "}), 422)
    assert 'aria-describedby="comment-error"' in empty and "write something" in empty


async def test_the_requester_withdraws_and_denial_mails_them(client: Client, db: AsyncSession, gov: Gov) -> None:
    first, second = await pending_request(db, gov), None
    await sign_in(client, db, "carol@example.com")
    text = assert_full_page(await get(client, f"/p/WEB/approvals/{first}"))
    assert 'value="withdraw"' in text and "you asked for this approval, so someone else must give it" in text
    withdrawn = await post(client, f"/p/WEB/approvals/{first}", {"decision": "withdraw"})
    assert "The request is withdrawn." in assert_full_page(await get(client, withdrawn.headers["location"]))
    second = str((await ApprovalService(db).request(gov.carol, "WEB", "milestone_completion", "m-1")).id)
    await sign_in(client, db, "gus@example.com")
    await post(client, f"/p/WEB/approvals/{second}", {"decision": "deny", "comment": "not yet"})
    [mail] = [m for m in await mailbox(db, "carol@example.com")]
    assert mail.subject == "Your approval request in WEB was denied" and "not yet" in mail.body
    junk = assert_full_page(await post(client, f"/p/WEB/approvals/{second}", {"decision": "explode"}), 422)
    assert "choose approve, deny, withdraw or comment" in junk


async def test_unknown_requests_and_other_organizations(client: Client, db: AsyncSession, gov: Gov) -> None:
    approval_id = await pending_request(db, gov)
    await sign_in(client, db, "eve@example.com")
    assert (await get(client, f"/p/WEB/approvals/{approval_id}")).status_code == 404
    assert (await get(client, "/p/WEB/approvals")).status_code == 404
    await sign_in(client, db, "alice@example.com")
    assert (await get(client, "/p/WEB/approvals/nope")).status_code == 404


async def test_pages_in_german(client: Client, db: AsyncSession, gov: Gov) -> None:
    approval_id = await pending_request(db, gov)
    await sign_in(client, db, "cody@example.com")
    for url in ("/p/WEB/policy?lang=de", "/p/WEB/approvals?lang=de", f"/p/WEB/approvals/{approval_id}?lang=de"):
        text = (await get(client, url)).text
        assert '<html lang="de">' in text
        assert "Approval request" not in text and "Approvals in" not in text and "Policy of" not in text
