"""``/projects/{key}/plan`` and ``/projects/{key}/revisions``: the plan as numbered revisions, with ETags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Request, Response, get, put
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
from litestar.params import FromPath

from app.domain.projects.api._common import (
    ETAG_HEADER,
    Caller,
    IfMatch,
    OrgQuery,
    Plans,
    etag,
    parse_if_match,
    parse_revision_number,
)
from app.domain.projects.permissions import Action
from app.domain.projects.schemas import RevisionInfo
from app.server.problems import problem_responses
from buildrunner.spec.model import Plan

__all__ = ["get_plan", "get_revision", "list_revisions", "put_plan"]

_PLAN_JSON = "application/json"
_PLAN_RESPONSE = {200: ResponseSpec(data_container=Plan, description="The plan.json (a Build Spec), byte for byte as "
                                    "saved: fields the server does not know are kept.", generate_examples=False)}


@dataclass
class _PlanUpload(Operation):
    """``PUT .../plan`` reads its body raw (the linter reports every problem), so the schema names it here."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True, description="A whole plan.json (a Build Spec).",
            content={_PLAN_JSON: OpenAPIMediaType(schema=Reference(ref="#/components/schemas/Plan"))},
        )


@dataclass
class _PlanDownload(Operation):
    """The plan GETs answer raw bytes; their documented 200 (a ``Plan``) gets the ETag header back here."""

    def __post_init__(self) -> None:
        ok = (self.responses or {}).get("200")
        if isinstance(ok, OpenAPIResponse):
            ok.headers = {"ETag": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING),
                                                description='The revision number, quoted: "3".')}


@get("/projects/{key:str}/plan", operation_id="plans.get", name="plans.get", summary="Get the current plan",
     media_type=_PLAN_JSON, opt={"action": Action.VIEW_PLAN}, operation_class=_PlanDownload,
     responses={**_PLAN_RESPONSE, **problem_responses(404)})
async def get_plan(principal: Caller, plans: Plans, key: FromPath[str], org: OrgQuery = None) -> Response[bytes]:
    """The current ``plan.json``; ``ETag`` is its revision number."""
    snapshot = await plans.get_plan(principal, key, org=org)
    return Response(snapshot.content, media_type=_PLAN_JSON, headers={"ETag": etag(snapshot.info.number)})


@put("/projects/{key:str}/plan", operation_id="plans.put", name="plans.put", summary="Save a new plan revision",
     opt={"action": Action.EDIT_PLAN}, response_headers=ETAG_HEADER, operation_class=_PlanUpload,
     responses=problem_responses(404, 412, 428, body=True))
async def put_plan(request: Request[Any, Any, Any], principal: Caller, plans: Plans, key: FromPath[str], *,
                   org: OrgQuery = None, if_match: IfMatch = None) -> Response[RevisionInfo]:
    """Store the body as the next revision; ``If-Match`` must name the current one (stale: 412).

    The body is a whole ``plan.json``, checked by the Build Spec linter: any problem, unparseable JSON included,
    answers 422 with the findings in ``errors``.
    """
    expected = parse_if_match(if_match)
    revision = await plans.save(principal, key, await request.body(), expected_revision=expected, org=org,
                                message=request.headers.get("x-br-message", ""))
    return Response(revision, headers={"ETag": etag(revision.number)})


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
