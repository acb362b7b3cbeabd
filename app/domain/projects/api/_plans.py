"""``/projects/{key}/plan`` and ``/projects/{key}/revisions``: the plan as numbered revisions, with ETags; pushes
from an older revision merged on the server, and deltas (``PATCH .../plan``, ``GET .../plan/delta``) for sync."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from litestar import Request, Response, get, patch, put
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, JSONBody, QueryParameter

from app.domain.projects.api._common import (
    Caller,
    IfMatch,
    OrgQuery,
    Plans,
    etag,
    parse_if_match,
    parse_revision_number,
)
from app.domain.projects.api._sync_support import (
    CONFLICT_RESPONSE,
    Answer,
    Idempotency,
    IdempotencyKey,
    Sync,
    idempotent,
)
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import RevisionInfo
from app.domain.projects.services import PlanDelta, PlanPatch, PlanPatched, PlanPushed
from app.lib.errors import PreconditionRequired
from app.lib.i18n import gettext as _
from app.server.problems import problem_responses
from buildrunner.spec.model import Plan

__all__ = ["DELTA_MEDIA_TYPE", "get_plan", "get_plan_delta", "get_revision", "list_revisions", "patch_plan", "put_plan"]

_PLAN_JSON = "application/json"
DELTA_MEDIA_TYPE: Final = "application/vnd.buildrunner.delta+json"
FromRevision = Annotated[str, QueryParameter(name="from", description="The revision the client has, e.g. 3.")]
_PLAN_RESPONSE = {200: ResponseSpec(data_container=Plan, description="The plan.json (a Build Spec), byte for byte as "
                                    "saved: fields the server does not know are kept.", generate_examples=False)}


def _etag_on_ok(operation: Operation) -> None:
    # A route whose documented 200 is not its return type (raw or pre-encoded bytes) loses its response headers.
    ok = (operation.responses or {}).get("200")
    if isinstance(ok, OpenAPIResponse):
        ok.headers = {"ETag": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING),
                                            description='The revision number, quoted: "3".')}


@dataclass
class _PlanUpload(Operation):
    """``PUT .../plan`` reads its body raw (the linter reports every problem), so the schema names it here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True, description="A whole plan.json (a Build Spec).",
            content={_PLAN_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Plan"))},
        )
        _etag_on_ok(self)


@dataclass
class _PlanPatchOperation(Operation):
    """``PATCH .../plan`` also takes its body as ``application/vnd.buildrunner.delta+json``."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody) and _PLAN_JSON in self.request_body.content:
            self.request_body.content[DELTA_MEDIA_TYPE] = self.request_body.content[_PLAN_JSON]
        _etag_on_ok(self)


@dataclass
class _PlanDownload(Operation):
    """The plan GETs answer raw bytes; their documented 200 (a ``Plan``) gets the ETag header back here."""

    def __post_init__(self) -> None:
        _etag_on_ok(self)


@get("/projects/{key:str}/plan", operation_id="plans.get", name="plans.get", summary="Get the current plan",
     media_type=_PLAN_JSON, opt={"action": Action.VIEW_PLAN}, operation_class=_PlanDownload,
     responses={**_PLAN_RESPONSE, **problem_responses(404)})
async def get_plan(principal: Caller, plans: Plans, key: FromPath[str], org: OrgQuery = None) -> Response[bytes]:
    """The current ``plan.json``; ``ETag`` is its revision number."""
    snapshot = await plans.get_plan(principal, key, org=org)
    return Response(snapshot.content, media_type=_PLAN_JSON, headers={"ETag": etag(snapshot.info.number)})


@put("/projects/{key:str}/plan", operation_id="plans.put", name="plans.put", summary="Save a new plan revision",
     opt={"action": Action.EDIT_PLAN}, operation_class=_PlanUpload,
     responses={200: ResponseSpec(PlanPushed, description="The revision saved (or the current one, when nothing "
                                  "changed); `merged` and the merged `plan` when the upload was merged."),
                **problem_responses(404, 412, 428, body=True), **CONFLICT_RESPONSE})
async def put_plan(request: Request[Any, Any, Any], principal: Caller, sync: Sync, idempotency: Idempotency,
                   key: FromPath[str], *, org: OrgQuery = None, if_match: IfMatch = None,
                   idempotency_key: IdempotencyKey = None) -> Response[bytes]:
    """Store the body as the next revision. ``If-Match`` names the revision it was made from: an older one merges
    the upload with the changes made since (a conflict answers 409 and is kept in the conflict log).

    The body is a whole ``plan.json``, checked by the Build Spec linter: any problem, unparseable JSON included,
    answers 422 with the findings in ``errors``; so does a merge result with problems.
    """
    expected = parse_if_match(if_match)
    data, message = await request.body(), request.headers.get("x-br-message", "")

    async def run() -> Answer:
        pushed = await sync.push(principal, key, data, expected_revision=expected, message=message, org=org)
        return Answer(pushed, etag(pushed.number))

    return await idempotent(request, idempotency, principal, key, header=idempotency_key, action=Action.EDIT_PLAN,
                            org=org, run=run)


@patch("/projects/{key:str}/plan", operation_id="plans.patch", name="plans.patch",
       summary="Change the plan with a delta", opt={"action": Action.EDIT_PLAN}, operation_class=_PlanPatchOperation,
       responses={200: ResponseSpec(PlanPatched, description="The revision saved; `delta` turns the client's plan "
                                    "into the stored one (`null`: they are the same)."),
                  **problem_responses(404, 412, 428, body=True), **CONFLICT_RESPONSE})
async def patch_plan(request: Request[Any, Any, Any], principal: Caller, sync: Sync, idempotency: Idempotency,
                     key: FromPath[str], *, data: JSONBody[PlanPatch], org: OrgQuery = None, if_match: IfMatch = None,
                     idempotency_key: IdempotencyKey = None) -> Response[bytes]:
    """Apply ``delta`` to the revision named by ``If-Match`` (required) and save the result like ``PUT .../plan``:
    merged when the plan has moved on, 409 on conflicts. A delta that does not fit that revision answers 422.
    """
    expected = parse_if_match(if_match)
    if expected is None:
        raise PreconditionRequired(_('a delta applies to one revision: send If-Match with its ETag (e.g. "3"), not *'))
    message = request.headers.get("x-br-message", "")

    async def run() -> Answer:
        patched = await sync.patch(principal, key, data.delta, expected_revision=expected, message=message, org=org)
        return Answer(patched, etag(patched.revision.number))

    return await idempotent(request, idempotency, principal, key, header=idempotency_key, action=Action.EDIT_PLAN,
                            org=org, run=run)


@get("/projects/{key:str}/plan/delta", operation_id="plans.delta", name="plans.delta",
     summary="Get what changed since a revision", opt={"action": Action.VIEW_PLAN}, operation_class=_PlanDownload,
     responses={200: ResponseSpec(PlanDelta, description="The delta from revision `from` to the current one "
                                  "(`to`); `null` when nothing changed."), **problem_responses(404)})
async def get_plan_delta(principal: Caller, sync: Sync, key: FromPath[str], from_: FromRevision,
                         org: OrgQuery = None) -> Response[PlanDelta]:
    """What changed from revision ``from`` to the current one, as a delta to apply to ``from``; ``ETag`` is ``to``."""
    delta = await sync.delta(principal, key, parse_revision_number(from_), org=org)
    return Response(delta, headers={"ETag": etag(delta.to)})


@get("/projects/{key:str}/revisions", operation_id="revisions.list", name="revisions.list",
     summary="List plan revisions, newest first", opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def list_revisions(principal: Caller, plans: Plans, key: FromPath[str], org: OrgQuery = None,
                         ) -> list[RevisionInfo]:
    """Every revision: number, content hash, author, time and message."""
    return await plans.list_revisions(principal, key, org=org)


@get("/projects/{key:str}/revisions/{number:str}", operation_id="revisions.get", name="revisions.get",
     summary="Get one revision of the plan", media_type=_PLAN_JSON, opt={"action": Action.VIEW_PLAN},
     operation_class=_PlanDownload, responses={**_PLAN_RESPONSE, **problem_responses(404)})
async def get_revision(principal: Caller, plans: Plans, key: FromPath[str], number: FromPath[str],
                       org: OrgQuery = None) -> Response[bytes]:
    """The ``plan.json`` of revision ``number`` (1 to 999,999,999); ``ETag`` is the number."""
    snapshot = await plans.get_revision(principal, key, parse_revision_number(number), org=org)
    return Response(snapshot.content, media_type=_PLAN_JSON, headers={"ETag": etag(snapshot.info.number)})
