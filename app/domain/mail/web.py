"""The dev mailbox: in the embedded single-box mode, the mail the server "sent", readable in the browser.

Who may see it: its messages hold live verification and password-reset links for every account, so it
is served only (1) in the embedded mode, SQLite without ``BR_SMTP_URL`` (404 otherwise: with SMTP the
mail went to real inboxes and must not be readable here), and (2) to clients on the loopback interface,
i.e. a browser on the machine running the server (403 for anyone else). Nobody needs to be signed in:
the person reading it is usually someone who has not verified their address yet. A reverse proxy on the
same machine makes every client look local, so put one only in front of a server with SMTP configured.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Final
from urllib.parse import urlsplit

from litestar import Request, Response, Router, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromQuery
from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.mail.services import MailService
from app.lib.errors import NotFound, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.settings import Settings
from app.server.web import page

__all__ = ["linkify", "mailbox_enabled", "router"]

_URL: Final = re.compile(r"https?://[^\s<>\"'`]+")
_TRAILING: Final = ".,;:!?)]}"


def mailbox_enabled(settings: Settings) -> bool:
    """Whether this server keeps its mail in the dev mailbox (embedded SQLite mode without SMTP)."""
    return settings.is_sqlite and settings.smtp_url is None


def _is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def requires_dev_mailbox(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: the embedded mode, and a browser on this machine.

    Raises:
        NotFound: outside the embedded mode. PermissionDenied: for a client on another machine.
    """
    if not mailbox_enabled(connection.app.state.settings):
        raise NotFound(_("there is no dev mailbox on this server: it sends mail over SMTP"))
    if not _is_loopback(connection.client.host if connection.client else None):
        raise PermissionDenied(_("the dev mailbox opens only in a browser on the machine running the server; "
                                 "the server log has the same messages"))


def _origin(url: str) -> tuple[str, str, int] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def linkify(body: str, base_url: str) -> Markup:
    """Escape a plain-text mail body, turning only links to this server (``base_url``'s origin) into anchors."""
    own = _origin(base_url)
    pieces: list[Markup] = []
    last = 0
    for match in _URL.finditer(body):
        url = match.group(0).rstrip(_TRAILING)
        pieces.append(escape(body[last:match.start()]))
        pieces.append(Markup('<a href="{0}">{0}</a>').format(url) if _origin(url) == own else escape(url))
        last = match.start() + len(url)
    pieces.append(escape(body[last:]))
    return Markup("").join(pieces)


@get("/dev/mailbox", name="mail.mailbox")
async def mailbox_page(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                       to: FromQuery[str] = "") -> Response[Any]:
    """The newest messages first, optionally only those to one address; each one readable below the list."""
    if len(to) > 320 or any(ord(char) < 32 for char in to):
        raise ValidationFailed("to", _("enter an email address, or leave the field empty for every message"))
    mails = await MailService(db_session).mailbox(to.strip() or None)
    base_url = request.app.state.settings.base_url
    context = {"mails": [(mail, linkify(mail.body, base_url)) for mail in mails], "to": to}
    return page(request, "mail/mailbox.html.j2", context, block="mail_list")


router = Router(path="/", route_handlers=[mailbox_page], guards=[requires_dev_mailbox], include_in_schema=False)
