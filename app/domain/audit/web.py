"""The admin page of the audit ledger, ``/admin/audit``: entries (filtered, paged) and "Verify now".

One URL, one template: ``?verify=1`` adds the verification result, and an htmx request gets only the block it
swaps (``verify_result`` for the button, ``entries`` for the filters and the pager).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.accounts.web import requires_session
from app.domain.audit.schemas import AuditPage
from app.domain.audit.services import ACTIONS, AuditService
from app.lib.errors import ValidationFailed
from app.server.web import page

__all__ = ["router"]

TEMPLATE = "audit/index.html.j2"
TextQuery = Annotated[str, QueryParameter(required=False)]


def _before(raw: str) -> int | None:
    """The ``before`` cursor; anything but a positive whole number means the first page."""
    return int(raw) if raw.isdigit() and 0 < int(raw) < 2**62 else None


@get("/admin/audit", name="audit.index")
async def audit_page(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                     principal: NamedDependency[Principal], *, action: TextQuery = "", actor: TextQuery = "",
                     before: TextQuery = "", verify: TextQuery = "") -> Response[Any]:
    """Ledger entries newest first, filtered by action and actor; with ``verify=1``, the verification result."""
    audit = AuditService(db_session)
    filters = {"action": action.strip()[:70], "actor": actor.strip()[:400]}
    errors: dict[str, str] = {}
    report = await audit.verify(principal) if verify else None
    try:
        listing = await audit.entries(principal, action=filters["action"] or None, actor=filters["actor"] or None,
                                      before=_before(before))
    except ValidationFailed as exc:
        errors[exc.field] = exc.detail
        listing = AuditPage(entries=[], next_before=None)
    context = {"listing": listing, "filters": filters, "errors": errors, "actions": ACTIONS, "report": report,
               "first_page": _before(before) is None}
    block = "verify_result" if verify else "entries"
    return page(request, TEMPLATE, context, block=block, status_code=422 if errors else 200)


router = Router(path="/", route_handlers=[audit_page], guards=[requires_session], include_in_schema=False)
