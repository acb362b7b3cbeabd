"""JSON API of governance: ``/projects/{key}/policy`` (YAML in, 202 when the change waits for approval) and
``/projects/{key}/approvals`` (request, approve, deny, withdraw, comment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from litestar import Request, Response, Router, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, JSONBody, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.governance.schemas import (
    ApprovalCreate,
    ApprovalDecision,
    ApprovalDetail,
    ApprovalSummary,
    CommentCreate,
    PolicyInfo,
)
from app.domain.governance.services import ApprovalService, PolicyService
from app.domain.mail.services import MailService
from app.domain.projects.permissions import Action
from app.server.database import request_session
from app.server.problems import problem_responses
from app.server.settings import Settings

__all__ = ["POLICY_MEDIA_TYPES", "router"]

#: What ``PUT .../policy`` accepts (``app.server.api.check_request`` reads it from the route's ``opt``).
POLICY_MEDIA_TYPES: Final = ("application/yaml", "text/yaml", "application/x-yaml")

Caller = NamedDependency[Principal]
Policies = NamedDependency[PolicyService]
Approvals = NamedDependency[ApprovalService]
OrgQuery = Annotated[str | None, QueryParameter(name="org", description="Organization slug, when a key is ambiguous.")]
StatusQuery = Annotated[str, QueryParameter(name="status", max_length=20, description=(
    "`pending`, `decided` (approved, denied or withdrawn), one status, or `all`."))]
Decision = JSONBody[ApprovalDecision | None]


def _mailing(principal: Principal, request: Request[Any, Any, Any]) -> tuple[Any, MailService, str]:
    del principal  # asked for to order the resolution (see app.server.deps)
    settings: Settings = request.app.state.settings
    db = request_session(request)
    return db, MailService(db, smtp_url=settings.smtp_url), settings.base_url


def provide_policies(principal: Caller, request: Request[Any, Any, Any]) -> PolicyService:
    """Policies on the request's session, mailing approvers when a change waits for them."""
    return PolicyService(*_mailing(principal, request))


def provide_approvals(principal: Caller, request: Request[Any, Any, Any]) -> ApprovalService:
    """Approvals on the request's session, mailing approvers and requesters."""
    return ApprovalService(*_mailing(principal, request))


dependencies: Final = {"policies": Provide(provide_policies, sync_to_thread=False),
                       "approvals": Provide(provide_approvals, sync_to_thread=False)}


@dataclass
class _PolicyUpload(Operation):
    """``PUT .../policy`` reads its body raw (the validator reports every problem), so the schema names it here."""

    def __post_init__(self) -> None:
        yaml = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, description="A whole policy.yml."))
        self.request_body = RequestBody(required=True, description="The policy as YAML (docs/policy.md).",
                                        content=dict.fromkeys(POLICY_MEDIA_TYPES, yaml))


@dataclass
class _OptionalBody(Operation):
    """The decisions take an optional body (``{"comment": ...}``); Litestar documents every body as required."""

    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.required = False


@get("/projects/{key:str}/policy", operation_id="policy.get", name="policy.get", summary="Get the project's policy",
     opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def get_policy(principal: Caller, policies: Policies, key: FromPath[str], org: OrgQuery = None) -> PolicyInfo:
    """The policy the project runs under: its YAML, the policy with every default filled in, who set it when."""
    return await policies.get(principal, key, org=org)


@put("/projects/{key:str}/policy", operation_id="policy.put", name="policy.put",
     summary="Replace the project's policy", opt={"action": Action.CHANGE_POLICY, "media_types": POLICY_MEDIA_TYPES},
     operation_class=_PolicyUpload,
     responses={200: ResponseSpec(PolicyInfo, description="The policy now in force (unchanged when the text was the "
                                  "same)."),
                202: ResponseSpec(ApprovalDetail, description="The current policy governs policy changes: an approval "
                                  "request was opened; the policy applies once it is approved."),
                **problem_responses(404, 409, body=True)})
async def put_policy(request: Request[Any, Any, Any], principal: Caller, policies: Policies, key: FromPath[str],
                     org: OrgQuery = None) -> Response[Any]:
    """Validate the body (`policy.yml`) and apply it, or open a `policy_change` approval request (202) when the
    current policy lists one. Findings answer 422 with `errors` (path, line, column, message); nothing changes.
    `X-BR-Message` is kept as the request's first comment."""
    change = await policies.upload(principal, key, await request.body(), org=org,
                                   comment=request.headers.get("x-br-message", ""))
    if change.approval is not None:
        return Response(change.approval, status_code=202)
    return Response(change.policy, status_code=200)


@get("/projects/{key:str}/approvals", operation_id="approvals.list", name="approvals.list",
     summary="List approval requests, pending first", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def list_approvals(principal: Caller, approvals: Approvals, key: FromPath[str], *, org: OrgQuery = None,
                         status: StatusQuery = "all") -> list[ApprovalSummary]:
    """The project's approval requests (at most 200), pending ones first, then the newest."""
    return await approvals.list_requests(principal, key, status=status, org=org)


@post("/projects/{key:str}/approvals", operation_id="approvals.create", name="approvals.create",
      summary="Request an approval", opt={"action": Action.REQUEST_APPROVAL},
      responses=problem_responses(404, 409, body=True))
async def create_approval(principal: Caller, approvals: Approvals, key: FromPath[str],
                          data: JSONBody[ApprovalCreate], org: OrgQuery = None) -> ApprovalDetail:
    """Ask for an approval the project's policy requires (e.g. `milestone_completion` of `m-1`); the people who may
    give it are mailed."""
    return await approvals.request(principal, key, data.transition, data.target, data.comment, org=org)


@get("/projects/{key:str}/approvals/{approval_id:str}", operation_id="approvals.get", name="approvals.get",
     summary="Get an approval request with its comments", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def get_approval(principal: Caller, approvals: Approvals, key: FromPath[str], approval_id: FromPath[str],
                       org: OrgQuery = None) -> ApprovalDetail:
    """One request: what it applies, who may approve it, who did, and its thread."""
    return await approvals.get(principal, key, approval_id, org=org)


_DECIDED: Final = problem_responses(404, 409, body=True)


@post("/projects/{key:str}/approvals/{approval_id:str}/approve", operation_id="approvals.approve",
      operation_class=_OptionalBody,
      name="approvals.approve", summary="Approve a request", status_code=200,
      opt={"action": Action.DECIDE_APPROVAL}, responses=_DECIDED)
async def approve(principal: Caller, approvals: Approvals, key: FromPath[str], approval_id: FromPath[str], *,
                  data: Decision = None, org: OrgQuery = None) -> ApprovalDetail:
    """Approve, if the policy names your role for it and you did not ask for it; enough approvals approve the
    request (a policy change then applies)."""
    return await approvals.decide(principal, key, approval_id, "approve", data.comment if data else "", org=org)


@post("/projects/{key:str}/approvals/{approval_id:str}/deny", operation_id="approvals.deny",
      operation_class=_OptionalBody,
      name="approvals.deny", summary="Deny a request", status_code=200,
      opt={"action": Action.DECIDE_APPROVAL}, responses=_DECIDED)
async def deny(principal: Caller, approvals: Approvals, key: FromPath[str], approval_id: FromPath[str], *,
               data: Decision = None, org: OrgQuery = None) -> ApprovalDetail:
    """Deny, if the policy names your role for it; say why in `comment`."""
    return await approvals.decide(principal, key, approval_id, "deny", data.comment if data else "", org=org)


@post("/projects/{key:str}/approvals/{approval_id:str}/withdraw", operation_id="approvals.withdraw",
      operation_class=_OptionalBody,
      name="approvals.withdraw", summary="Withdraw a request", status_code=200,
      opt={"action": Action.REQUEST_APPROVAL}, responses=_DECIDED)
async def withdraw(principal: Caller, approvals: Approvals, key: FromPath[str], approval_id: FromPath[str], *,
                   data: Decision = None, org: OrgQuery = None) -> ApprovalDetail:
    """Withdraw your own pending request (a PM may withdraw anyone's)."""
    return await approvals.withdraw(principal, key, approval_id, data.comment if data else "", org=org)


@post("/projects/{key:str}/approvals/{approval_id:str}/comment", operation_id="approvals.comment",
      name="approvals.comment", summary="Comment on a request", opt={"action": Action.REQUEST_APPROVAL},
      responses=problem_responses(404, body=True))
async def comment(principal: Caller, approvals: Approvals, key: FromPath[str], approval_id: FromPath[str], *,
                  data: JSONBody[CommentCreate], org: OrgQuery = None) -> ApprovalDetail:
    """Add a comment to the request's thread (pending or decided); answers the request with the thread."""
    return await approvals.comment(principal, key, approval_id, data.text, org=org)


router = Router(
    path="/",
    route_handlers=[get_policy, put_policy, list_approvals, create_approval, get_approval, approve, deny, withdraw,
                    comment],
    dependencies=dependencies,
    tags=["governance"],
)
