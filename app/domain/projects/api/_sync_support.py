"""What the sync routes share: their services, ``Idempotency-Key`` handling, and the documented 409 of a merge.

A write sent with an ``Idempotency-Key`` runs once: its answer (status, body, ETag) is kept for 24 hours and a
retry with the same key and the same request gets it again, with ``Idempotent-Replayed: true``, changing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Final, NamedTuple

import msgspec
from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.exceptions import ClientException
from litestar.openapi import ResponseSpec
from litestar.params import HeaderParameter

from app.domain.accounts.schemas import Principal
from app.domain.projects.permissions import Action
from app.domain.projects.services import (
    ConflictItem,
    ConflictService,
    IdempotencyService,
    PlanSyncService,
    StoredAnswer,
    request_hash,
)
from app.lib.errors import DomainError, PreconditionFailed, RateLimited
from app.lib.i18n import gettext as _
from app.server.deps import service
from app.server.errors import problem_response
from app.server.problems import Problem

__all__ = [
    "CONFLICT_RESPONSE",
    "Answer",
    "Conflicts",
    "Idempotency",
    "IdempotencyKey",
    "Sync",
    "idempotent",
    "parse_idempotency_key",
    "sync_dependencies",
]

_JSON: Final = "application/json"
_KEY: Final = re.compile(r"^[\x21-\x7e]{1,255}$")
# Answers that tell the client to retry are not kept: the retry must run again, not get the same refusal.
_NOT_KEPT: Final = (PreconditionFailed, RateLimited)

Sync = NamedDependency[PlanSyncService]
Conflicts = NamedDependency[ConflictService]
Idempotency = NamedDependency[IdempotencyService]
IdempotencyKey = Annotated[str | None, HeaderParameter(
    name="Idempotency-Key", required=False,
    description="1–255 visible ASCII characters, new for each new request: a retry with the same key and the same "
                "request gets the first answer again (kept 24 hours) and changes nothing.")]


sync_dependencies: Final = {"sync": service(PlanSyncService), "conflicts": service(ConflictService),
                            "idempotency": service(IdempotencyService)}


class MergeConflictProblem(Problem, kw_only=True):
    """A 409 of a merge: the conflicts (each with ``base``, ``local``, ``remote``), the conflict-log entry that keeps
    them (``conflict_id``) and the revision they are against (``current``)."""

    conflicts: list[ConflictItem] | None = None
    conflict_id: str | None = None
    current: int | None = None


CONFLICT_RESPONSE: Final = {409: ResponseSpec(
    data_container=MergeConflictProblem, media_type="application/problem+json", generate_examples=False,
    description="The change conflicts with the plan on the server (`conflicts`, logged as `conflict_id`; nothing "
                "was saved), a conflict that is already resolved, or a request with the same `Idempotency-Key` "
                "still in progress.")}


class Answer(NamedTuple):
    """A successful answer before it is encoded: its body, ETag and status."""

    content: msgspec.Struct
    etag: str | None = None
    status: int = 200


def parse_idempotency_key(value: str) -> str:
    """The ``Idempotency-Key`` header's value.

    Raises:
        ClientException: 400 unless it is 1 to 255 visible ASCII characters.
    """
    if not _KEY.match(value):
        raise ClientException(status_code=400, detail=_(
            "Idempotency-Key: use 1 to 255 visible ASCII characters (letters, digits, punctuation; no spaces), "
            "e.g. a UUID"))
    return value


async def idempotent(request: Request[Any, Any, Any], idempotency: IdempotencyService, principal: Principal,
                     key: str, *, header: str | None, action: Action, org: str | None,
                     run: Callable[[], Awaitable[Answer]]) -> Response[bytes]:
    """Answer with ``run()``; with an ``Idempotency-Key`` (``header``), run it only once per key and request."""
    if header is None:
        return _send(_stored(await run()))
    fingerprint = request_hash(request.method, request.url.path, request.headers.get("if-match"),
                               await request.body())
    claim = await idempotency.begin(principal, key, parse_idempotency_key(header), fingerprint, action=action,
                                    org=org)
    if isinstance(claim, StoredAnswer):
        return _send(claim, {"Idempotent-Replayed": "true"})
    try:
        answer = _stored(await run())
    except DomainError as exc:
        if isinstance(exc, _NOT_KEPT):
            await idempotency.release(claim)
            raise
        refusal = problem_response(request, exc.status, exc.message, type_slug=exc.type_slug, extra=exc.extra())
        kept = StoredAnswer(status=exc.status, body=msgspec.json.encode(refusal.content),
                            media_type=str(refusal.media_type))
        await idempotency.finish(claim, kept)
        return _send(kept, dict(refusal.headers))
    except BaseException:
        await idempotency.release(claim)
        raise
    await idempotency.finish(claim, answer)
    return _send(answer)


def _stored(answer: Answer) -> StoredAnswer:
    return StoredAnswer(status=answer.status, body=msgspec.json.encode(answer.content), media_type=_JSON,
                        etag=answer.etag)


def _send(answer: StoredAnswer, headers: dict[str, str] | None = None) -> Response[bytes]:
    etag = {"ETag": answer.etag} if answer.etag else {}
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type,
                    headers={**(headers or {}), **etag})
