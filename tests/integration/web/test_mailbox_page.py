"""The dev mailbox: embedded mode only, local browsers only, newest first, escaped, only own links clickable."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.mail.services import MailService
from app.domain.mail.web import linkify, mailbox_enabled
from app.server.app import create_app
from app.server.settings import Settings
from tests.integration.web.conftest import HX, Client
from tests.integration.web.test_account_pages import assert_fragment, assert_page


async def send(db: AsyncSession, recipient: str, subject: str, body: str) -> None:
    await MailService(db).send(recipient, subject, body)
    await db.commit()


async def test_mailbox_lists_newest_first_and_reads_each_mail(local_client: httpx.AsyncClient,
                                                              db: AsyncSession) -> None:
    await send(db, "ann@example.com", "First", "one")
    await send(db, "bob@example.com", "Second <b>bold</b>", "Open http://127.0.0.1:8000/verify?token=abc.\n"
               "Not https://evil.example/steal?x=1 nor javascript:alert(1) <script>alert(1)</script>")
    full = await local_client.get("/dev/mailbox")
    assert_page(full, 200, "Dev mailbox")
    text = full.text
    assert text.index("Second &lt;b&gt;bold&lt;/b&gt;") < text.index(">First<")
    assert '<a href="http://127.0.0.1:8000/verify?token=abc">' in text
    assert 'href="https://evil.example' not in text and "<script>alert(1)" not in text
    assert "&lt;script&gt;" in text and "Who can see this page" in text and '<th scope="col">' in text


async def test_mailbox_fragment_and_filter(local_client: httpx.AsyncClient, db: AsyncSession) -> None:
    await send(db, "ann@example.com", "For Ann", "a")
    await send(db, "bob@example.com", "For Bob", "b")
    fragment = await local_client.get("/dev/mailbox?to=ANN@example.com", headers=HX)
    assert fragment.status_code == 200
    assert_fragment(fragment, 'id="mail-list"', "For Ann")
    assert "For Bob" not in fragment.text
    bad = await local_client.get("/dev/mailbox?to=%00")
    assert bad.status_code == 422 and "Traceback" not in bad.text


async def test_empty_mailbox_says_so(local_client: httpx.AsyncClient) -> None:
    response = await local_client.get("/dev/mailbox")
    assert response.status_code == 200 and "No messages yet" in response.text


async def test_other_machines_are_refused(client: Client, db: AsyncSession) -> None:
    await send(db, "ann@example.com", "Secret link", "http://127.0.0.1:8000/reset?token=xyz")
    response = await client.get("/dev/mailbox")  # the test client's address is not a loopback one
    assert response.status_code == 403
    assert "machine running the server" in response.text and "xyz" not in response.text


async def test_no_mailbox_when_smtp_is_configured(settings: Settings, tmp_path: Path) -> None:
    with_smtp = replace(settings, smtp_url="smtp://127.0.0.1:2525")
    async with AsyncTestClient(app=create_app(with_smtp)) as started:
        transport = httpx.ASGITransport(app=started.app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as local:
            assert (await local.get("/dev/mailbox")).status_code == 404


def test_mailbox_only_in_embedded_mode(settings: Settings) -> None:
    assert mailbox_enabled(settings)
    assert not mailbox_enabled(replace(settings, smtp_url="smtp://mail.example"))
    assert not mailbox_enabled(replace(settings, database_url="postgresql+asyncpg://db.example/br"))


def test_linkify_escapes_and_links_only_this_server() -> None:
    body = 'x <i>\nhttp://127.0.0.1:8000/a?b=1&c=2, https://127.0.0.1:8000/tls http://127.0.0.1:8001/ "q"'
    html = str(linkify(body, "http://127.0.0.1:8000"))
    assert '<a href="http://127.0.0.1:8000/a?b=1&amp;c=2">' in html and "&lt;i&gt;" in html
    assert html.count("<a ") == 1 and "&#34;q&#34;" in html
