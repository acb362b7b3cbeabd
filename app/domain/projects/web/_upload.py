"""Upload or paste a plan (``/p/{key}/upload``): linted, findings shown inline, saved as a new revision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body, FromPath

from app.domain.projects.services import PlanUpload
from app.domain.projects.web._common import Caller, OrgQuery, ProjectUrls, Uploads, parse_number, urls_for
from app.lib.errors import PreconditionFailed, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.errors import problem_response
from app.server.web import page, redirect

__all__ = ["upload_form", "upload_plan"]

UPLOAD = "projects/upload.html.j2"


@dataclass
class UploadForm:
    """The upload form: a ``file`` or pasted ``plan`` text, a note, and the revision the form was shown at."""

    file: UploadFile | None = None
    plan: str = ""
    message: str = ""
    revision: str = ""


@get("/p/{key:str}/upload", name="projects.upload", include_in_schema=False)
async def upload_form(request: Request[Any, Any, Any], *, principal: Caller, uploads: Uploads,
                      key: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """The upload form (for those who may edit the plan)."""
    view = await uploads.form(principal, key, org=org)
    context = {"view": view, "urls": urls_for(view, org), "form": UploadForm(), "error": None, "findings": []}
    return page(request, UPLOAD, {**context, "source": "file"}, block="upload_form")


def _too_large(request: Request[Any, Any, Any], _exc: HTTPException) -> Response[Any]:
    limit = request.app.state.settings.max_body_bytes
    return problem_response(request, 413, _(
        "The upload is larger than the server accepts (%(limit)s kB); split the plan or ask your administrator "
        "to raise BR_MAX_BODY_BYTES.") % {"limit": limit // 1000})


@post("/p/{key:str}/upload", name="projects.upload_submit", include_in_schema=False,
      exception_handlers={413: _too_large})
async def upload_plan(request: Request[Any, Any, Any], *, principal: Caller, uploads: Uploads,
                      key: FromPath[str], data: Annotated[UploadForm, Body(media_type=RequestEncodingType.MULTI_PART)],
                      org: OrgQuery = None) -> Response[Any]:
    """Lint and save the plan; findings (code, path, line:column) come back inline with a 422."""
    content = await data.file.read() if data.file is not None and data.file.filename else b""
    try:
        upload = PlanUpload(file=content, text=data.plan, message=data.message,
                            expected_revision=_revision(data.revision))
        saved = await uploads.upload(principal, key, upload, max_bytes=request.app.state.settings.max_body_bytes,
                                     org=org)
    except (ValidationFailed, PreconditionFailed) as exc:
        return await _refused(request, principal=principal, uploads=uploads, key=key, org=org, data=data, exc=exc)
    text = _("Revision %(n)s saved.") if saved.changed else _("The plan is unchanged (revision %(n)s).")
    return redirect(request, ProjectUrls(key.strip().upper(), org)(), ("success", text % {"n": saved.revision.number}))


def _revision(value: str) -> int | None:
    return parse_number("revision", value, low=0) if value.strip() else None


async def _refused(request: Request[Any, Any, Any], *, principal: Any, uploads: Any, key: str, org: str | None,
                   data: UploadForm, exc: ValidationFailed | PreconditionFailed) -> Response[Any]:
    view = await uploads.form(principal, key, org=org)
    source = "file" if data.file is not None and data.file.filename else "plan"
    error = exc.detail if isinstance(exc, ValidationFailed) else exc.message
    findings = exc.errors if isinstance(exc, ValidationFailed) else []
    form = UploadForm(plan=data.plan if len(data.plan) <= 200_000 else "", message=data.message,
                      revision=str(view.project.current_revision))
    context = {"view": view, "urls": urls_for(view, org), "form": form, "error": error, "findings": findings,
               "source": source}
    return page(request, UPLOAD, context, block="upload_form", status_code=exc.status)
