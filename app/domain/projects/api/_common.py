"""What the project API handlers share: dependency names, query parameters, ETags and ``If-Match``."""

from __future__ import annotations

import re
from typing import Annotated, Final

from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.params import HeaderParameter, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.projects.services import MicrostepService, PlanService, ProjectService
from app.lib.errors import PreconditionRequired
from app.lib.i18n import gettext as _
from app.server.deps import service

__all__ = [
    "ETAG_HEADER",
    "Caller",
    "IfMatch",
    "Microsteps",
    "OrgQuery",
    "Plans",
    "Projects",
    "etag",
    "parse_if_match",
    "parse_optional_if_match",
    "parse_revision_number",
    "project_dependencies",
]

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,9})"?$')
_NUMBER = re.compile(r"^\d{1,9}$")
MAX_REVISION: Final = 999_999_999

# documentation_only: the handlers set the real value; the example value gives the header its string schema.
ETAG_HEADER: Final = [ResponseHeader(name="ETag", value='"3"', documentation_only=True,
                                     description='The plan revision the answer reflects, quoted: "3".')]
OrgQuery = Annotated[str | None, QueryParameter(name="org", description="Organization slug, when a key is ambiguous.")]
IfMatch = Annotated[str | None, HeaderParameter(name="If-Match", description='ETag of the revision edited, e.g. "3".')]
Caller = NamedDependency[Principal]
Projects = NamedDependency[ProjectService]
Plans = NamedDependency[PlanService]
Microsteps = NamedDependency[MicrostepService]


project_dependencies: Final = {"microsteps": service(MicrostepService)}


def etag(number: int) -> str:
    """The ETag of a plan revision."""
    return f'"{number}"'


def parse_if_match(value: str | None) -> int | None:
    """The revision an ``If-Match`` header names (``*`` means any).

    Raises:
        PreconditionRequired: when the header is missing or is not a revision ETag.
    """
    if value is None or not value.strip():
        raise PreconditionRequired(_('send If-Match with the ETag of the plan you edited (e.g. If-Match: "3"; "0" '
                                     "for the first upload)"))
    if value.strip() == "*":
        return None
    match = _ETAG.match(value.strip())
    if match is None:
        raise PreconditionRequired(_("If-Match %(value)s is not a plan ETag; use the ETag from GET .../plan")
                                   % {"value": repr(value)})
    return int(match.group(1))


def parse_optional_if_match(value: str | None) -> int | None:
    """Like :func:`parse_if_match`, for writes where ``If-Match`` is optional (absent: no check)."""
    return None if value is None or not value.strip() else parse_if_match(value)


def parse_revision_number(value: str) -> int:
    """A revision number from the path.

    Raises:
        ClientException: 400 unless it is a whole number from 1 to 999,999,999.
    """
    if not _NUMBER.match(value) or not 1 <= int(value) <= MAX_REVISION:
        detail = _("revision number: use a whole number from 1 to %(max)s (got %(value)s)") % {
            "max": f"{MAX_REVISION:,}", "value": repr(value[:40])}
        raise ClientException(status_code=400, detail=detail)
    return int(value)
