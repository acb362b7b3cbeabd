"""Uploading or pasting a whole plan.json from a page: size, encoding and lint checks before a new revision."""

from __future__ import annotations

from typing import ClassVar

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import RevisionInfo
from app.domain.projects.services._access import find_project
from app.domain.projects.services._plans import PlanService
from app.domain.projects.services._views import ProjectView, project_view
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["PlanTooLarge", "PlanUpload", "PlanUploadService", "Saved"]


class PlanTooLarge(ValidationFailed):
    """The plan is bigger than the server accepts."""

    status: ClassVar[int] = 413
    title: ClassVar[str] = "Request too large"
    type_slug: ClassVar[str] = "too-large"


class PlanUpload(msgspec.Struct, frozen=True, kw_only=True):
    """A plan sent from the upload page: a file's bytes or pasted text (exactly one of them)."""

    file: bytes = b""
    text: str = ""
    message: str = ""
    expected_revision: int | None = None


class Saved(msgspec.Struct, frozen=True, kw_only=True):
    """The revision an upload produced; ``changed`` is false when the content was already current."""

    revision: RevisionInfo
    changed: bool


def _size(count: int) -> str:
    return f"{count / 1_000_000:.1f} MB" if count >= 100_000 else f"{count / 1000:.0f} kB"


def plan_bytes(upload: PlanUpload, max_bytes: int) -> bytes:
    """The plan's bytes, checked for presence, size, encoding and binary content.

    Raises:
        ValidationFailed: nothing or both sent, not UTF-8, binary (field ``file`` or ``plan``).
        PlanTooLarge: over ``max_bytes``.
    """
    if upload.file and upload.text.strip():
        raise ValidationFailed("plan", _("send either a file or pasted text, not both; clear one of them"))
    field, data = ("file", upload.file) if upload.file else ("plan", upload.text.encode("utf-8"))
    if not data.strip():
        raise ValidationFailed("plan", _("choose a plan.json file or paste its content"))
    if len(data) > max_bytes:
        raise PlanTooLarge(field, _("the plan is %(size)s; the limit is %(limit)s. "
                                    "Split it or ask your administrator to raise BR_MAX_BODY_BYTES")
                           % {"size": _size(len(data)), "limit": _size(max_bytes)})
    if b"\x00" in data:
        raise ValidationFailed(field, _("this looks like a binary file (it contains NUL bytes); "
                                        "choose the plan.json text file"))
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(field, _("the file is not UTF-8 text (byte %(position)d is invalid); "
                                        "save it as UTF-8 and upload it again") % {"position": exc.start}) from None
    return data


class PlanUploadService:
    """Saves an uploaded plan as the next revision (the linter's findings come back in ``errors``)."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db
        self.plans = PlanService(db)

    async def form(self, actor: Principal, key: str, *, org: str | None = None) -> ProjectView:
        """The project, for the upload form.

        Raises:
            NotFound: not a project of the actor's. PermissionDenied: the actor may not edit the plan.
        """
        reject_nul("key", key, org)
        return project_view(actor, await find_project(self.db, actor, key, org=org, action=Action.EDIT_PLAN))

    async def upload(self, actor: Principal, key: str, upload: PlanUpload, *, max_bytes: int,
                     org: str | None = None) -> Saved:
        """Check and save the plan (see :func:`plan_bytes` and ``PlanService.save``).

        Raises:
            ValidationFailed: a bad upload or lint findings. PlanTooLarge: over ``max_bytes``.
            PreconditionFailed: the plan changed since the form was shown.
        """
        view = await self.form(actor, key, org=org)
        reject_nul("message", upload.message)
        data = plan_bytes(upload, max_bytes)
        revision = await self.plans.save(actor, key, data, expected_revision=upload.expected_revision,
                                         message=upload.message or "uploaded from the web", org=org)
        return Saved(revision=revision, changed=revision.number != view.project.current_revision)
