"""The RFC 9457 problem document of the JSON API, as an OpenAPI response for every error a route can give."""

from __future__ import annotations

from typing import Any, Final

import msgspec
from litestar.openapi import ResponseSpec

__all__ = ["Problem", "problem_responses"]

_DESCRIPTIONS: Final = {
    400: "The request does not match the schema: malformed JSON, a wrong type, a missing or unknown field, a value "
         "out of range or not in the enum. `detail` names the field.",
    401: "Not signed in, or the API key is unknown, revoked or expired.",
    403: "The caller's project role or API-key scope does not allow this.",
    404: "No such resource among the caller's organizations (another organization's data answers 404 too).",
    409: "The change clashes with existing data (a taken key or slug).",
    412: "`If-Match` names a revision that is no longer current; `current_revision` says which is.",
    413: "The body is larger than the server accepts (`BR_MAX_BODY_BYTES`).",
    415: "The body is not `application/json`.",
    422: "The request fits the schema but breaks a rule: a malformed key or email, a NUL character, a plan with "
         "lint findings (listed in `errors`), done with unmet criteria. `field` names what to fix.",
    428: "The write needs `If-Match` with the ETag of the revision it edits.",
}
_ALWAYS: Final = (400, 401, 403, 422)
_WITH_BODY: Final = (413, 415)


class Problem(msgspec.Struct, kw_only=True):
    """An error, as ``application/problem+json`` (RFC 9457)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    field: str | None = None
    errors: list[dict[str, Any]] | None = None
    current_revision: int | None = None


def problem_responses(*statuses: int, body: bool = False) -> dict[int, ResponseSpec]:
    """OpenAPI responses for the errors a route gives: 400, 401, 403, 422 always, 413/415 with ``body``, plus these."""
    codes = sorted({*_ALWAYS, *(_WITH_BODY if body else ()), *statuses})
    return {
        code: ResponseSpec(data_container=Problem, description=_DESCRIPTIONS[code],
                           media_type="application/problem+json", generate_examples=False)
        for code in codes
    }
