"""``/projects/{key}/conflicts``: the conflict log of pushes that did not merge, and resolving them."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody, QueryParameter

from app.domain.projects.api._common import Caller, OrgQuery, etag
from app.domain.projects.api._sync_support import (
    CONFLICT_RESPONSE,
    Answer,
    Conflicts,
    Idempotency,
    IdempotencyKey,
    idempotent,
)
from app.domain.projects.permissions import Action
from app.domain.projects.services import (
    MAX_LISTED,
    ConflictDetail,
    ConflictResolve,
    ConflictResolved,
    ConflictStatus,
    ConflictSummary,
)
from app.server.problems import problem_responses

__all__ = ["get_conflict", "list_conflicts", "resolve_conflict"]

StatusQuery = Annotated[ConflictStatus | None, QueryParameter(name="status", description="Only open or resolved.")]
LimitQuery = Annotated[int, QueryParameter(name="limit", ge=1, le=MAX_LISTED, description="At most this many.")]


@get("/projects/{key:str}/conflicts", operation_id="conflicts.list", name="conflicts.list",
     summary="List the conflict log, open entries first", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def list_conflicts(principal: Caller, conflicts: Conflicts, key: FromPath[str], *, org: OrgQuery = None,
                         status: StatusQuery = None, limit: LimitQuery = 100) -> list[ConflictSummary]:
    """Pushes that conflicted with the plan on the server: open ones first, then newest first."""
    return await conflicts.entries(principal, key, status=status, limit=limit, org=org)


@get("/projects/{key:str}/conflicts/{conflict_id:str}", operation_id="conflicts.get", name="conflicts.get",
     summary="Get a conflict-log entry with its conflicts", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def get_conflict(principal: Caller, conflicts: Conflicts, key: FromPath[str], conflict_id: FromPath[str],
                       org: OrgQuery = None) -> ConflictDetail:
    """An entry with each conflict's path, kind and ``base``, ``local`` (pushed) and ``remote`` (server) values."""
    return await conflicts.get(principal, key, conflict_id, org=org)


@post("/projects/{key:str}/conflicts/{conflict_id:str}/resolve", operation_id="conflicts.resolve",
      name="conflicts.resolve", summary="Resolve a conflict-log entry", status_code=200,
      opt={"action": Action.EDIT_PLAN},
      responses={200: ResponseSpec(ConflictResolved, description="The entry, resolved, and the revision saved."),
                 **problem_responses(404, body=True), **CONFLICT_RESPONSE})
async def resolve_conflict(request: Request[Any, Any, Any], principal: Caller, conflicts: Conflicts,
                           idempotency: Idempotency, key: FromPath[str], *, conflict_id: FromPath[str],
                           data: JSONBody[ConflictResolve], org: OrgQuery = None,
                           idempotency_key: IdempotencyKey = None) -> Response[bytes]:
    """Give every conflict of the entry a resolution (``ours``, ``theirs`` or ``value``); the result is saved as a
    new revision, merged with changes made since the conflict. A missing resolution answers 422, changing nothing;
    new conflicts with those changes answer 409 and the entry stays open with them.
    """
    async def run() -> Answer:
        resolved = await conflicts.resolve(principal, key, conflict_id, data.resolutions, org=org)
        return Answer(resolved, etag(resolved.revision.number))

    return await idempotent(request, idempotency, principal, key, header=idempotency_key, action=Action.EDIT_PLAN,
                            org=org, run=run)
