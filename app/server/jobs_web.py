"""The jobs admin pages and the app's job lifecycle hooks.

``/admin/jobs`` lists the queue's counts and latest jobs in both modes; with Redis, SAQ's own web UI is mounted
at ``/admin/jobs/saq/``. Both are for GlobalAdmin accounts only (signed in with a browser): anonymous callers are
sent to sign in, everyone else gets 403. SAQ's "retry" and "abort" buttons post without a CSRF token, so the CSRF
middleware refuses them: the mounted UI is read-only on purpose (retries are the sweep's job).
"""

from __future__ import annotations

from typing import Any, Final

from litestar import Request, Response, Router, asgi, get
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Receive, Scope, Send

from app.domain.accounts.guards import current_principal
from app.domain.accounts.web import requires_session
from app.lib.errors import NotFound, PermissionDenied
from app.lib.i18n import gettext as _
from app.server.jobs._runtime import AppJobs
from app.server.jobs._saq import SaqJobQueue
from app.server.web import page

__all__ = ["JOBS_STATE_KEY", "requires_global_admin", "router"]

JOBS_STATE_KEY: Final = "jobs"
SAQ_UI_PATH: Final = "/admin/jobs/saq"


def requires_global_admin(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Guard: a GlobalAdmin account (the job queue spans every organization).

    Raises:
        PermissionDenied: for anyone else.
    """
    if current_principal(connection).global_role != "GlobalAdmin":
        raise PermissionDenied(_("the job queue is open to GlobalAdmin accounts only"))


def _jobs(request: Request[Any, Any, Any] | ASGIConnection[Any, Any, Any, Any]) -> AppJobs:
    jobs = request.app.state[JOBS_STATE_KEY]
    if not isinstance(jobs, AppJobs):
        raise TypeError("app.state.jobs is not AppJobs")
    return jobs


@get("/admin/jobs", name="jobs.index")
async def jobs_page(request: Request[Any, Any, Any]) -> Response[Any]:
    """Queue counts and the latest jobs; a link to SAQ's own UI in production."""
    queue = _jobs(request).queue
    stats = await queue.stats() if queue is not None else {}
    context = {"stats": stats, "saq": isinstance(queue, SaqJobQueue), "saq_ui": SAQ_UI_PATH + "/",
               "jobs": stats.get("jobs", [])[:50]}
    return page(request, "admin/jobs.html.j2", context, block="jobs")


_saq_apps: dict[int, Any] = {}


@asgi(SAQ_UI_PATH, is_mount=True, copy_scope=True, name="jobs.saq")
async def saq_ui(scope: Scope, receive: Receive, send: Send) -> None:
    """SAQ's web UI for the app's queue (production only; 404 in embedded mode)."""
    queue = _jobs(ASGIConnection(scope)).queue
    if not isinstance(queue, SaqJobQueue):
        raise NotFound(_("the SAQ dashboard needs BR_REDIS_URL; embedded mode runs jobs in the app process"))
    from saq.web.starlette import saq_web  # noqa: PLC0415  (Starlette is loaded only for this page)

    ui = _saq_apps.get(id(queue))
    if ui is None:
        _saq_apps.clear()
        ui = _saq_apps[id(queue)] = saq_web(SAQ_UI_PATH, queues=[queue.queue])
    path = scope["path"]
    # Litestar hands a mount "/api/queues/" for "/admin/jobs/saq/api/queues"; SAQ's routes have no trailing slash.
    scope["path"] = path.rstrip("/") or "/"
    await ui(scope, receive, send)  # type: ignore[arg-type]


router = Router(path="/", route_handlers=[jobs_page, saq_ui], guards=[requires_session, requires_global_admin],
                include_in_schema=False)
