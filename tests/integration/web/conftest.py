"""Page tests: an app on a fresh SQLite database (enough for HTML pages), and browser-like clients.

``database_url`` is overridden here to SQLite only: the services are tested on both databases elsewhere,
and pages add rendering, not SQL. ``sign_in`` gives the client a session cookie and the CSRF cookie, and
``csrf`` returns the token a form would carry in ``_csrf_token``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.services import SessionService
from app.server.auth import SESSION_COOKIE
from app.server.csrf import CSRF_COOKIE
from tests.conftest import sqlite_only
from tests.integration.conftest import PASSWORD, Client, World

HX = {"HX-Request": "true"}

__all__ = ["HX", "Client", "World", "csrf", "sign_in"]


database_url = sqlite_only()


async def sign_in(client: Client, db: AsyncSession, email: str) -> str:
    """Sign ``email`` in on ``client`` and fetch a CSRF cookie; returns the CSRF token for forms."""
    client.cookies.delete(SESSION_COOKIE)
    _, token = await SessionService(db).login(email, PASSWORD)
    client.cookies.set(SESSION_COOKIE, token)
    return await csrf(client)


async def csrf(client: Client) -> str:
    """The CSRF token of ``client`` (a safe request hands out the cookie when there is none)."""
    token = client.cookies.get(CSRF_COOKIE)
    if not token:
        await client.get("/healthz")
        token = client.cookies.get(CSRF_COOKIE)
    assert token, "the CSRF cookie was not set"
    return str(token)


@pytest.fixture
async def local_client(client: Client) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the loopback interface, on ``client``'s app: the dev mailbox answers only local browsers."""
    transport = httpx.ASGITransport(app=client.app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as local:
        yield local
