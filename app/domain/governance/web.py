"""Governance pages: a project's policy (``/p/{key}/policy``), its approval requests (``/p/{key}/approvals``) and one
request (``/p/{key}/approvals/{id}``). HTMX swaps the named blocks; every form also works without JavaScript."""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.governance.services import (
    ApprovalService,
    GovernancePages,
    PolicyService,
    status_label,
    transition_label,
)
from app.domain.mail.services import MailService
from app.domain.projects.web._common import URL_ENCODED, Caller, OrgQuery, ProjectUrls, answer, checked_form, urls_for
from app.lib.errors import Conflict, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.settings import Settings
from app.server.web import page, redirect

__all__ = ["router"]

POLICY: Final = "governance/policy.html.j2"
APPROVALS: Final = "governance/approvals.html.j2"
APPROVAL: Final = "governance/approval.html.j2"
_KEEP: Final = 200_000  # a refused paste longer than this is not sent back into the form

Pages = NamedDependency[GovernancePages]
Policies = NamedDependency[PolicyService]
Approvals = NamedDependency[ApprovalService]


def _mail(request: Request[Any, Any, Any], db: AsyncSession) -> tuple[AsyncSession, MailService, str]:
    settings: Settings = request.app.state.settings
    return db, MailService(db, smtp_url=settings.smtp_url), settings.base_url


def _provide_approvals(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> ApprovalService:
    return ApprovalService(*_mail(request, db_session))


def _provide_policies(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> PolicyService:
    return PolicyService(*_mail(request, db_session))


def _provide_pages(db_session: NamedDependency[AsyncSession], approvals: Approvals) -> GovernancePages:
    return GovernancePages(db_session, approvals)


class PolicyForm(msgspec.Struct):
    """A pasted policy and a note for the approvers."""

    policy: str = ""
    comment: str = ""


class RequestForm(msgspec.Struct):
    """Ask for an approval."""

    transition: str = ""
    target: str = ""
    comment: str = ""


class DecisionForm(msgspec.Struct):
    """What to do with a request (approve, deny, withdraw or comment), with an optional comment."""

    decision: str = ""
    comment: str = ""


def _helpers() -> dict[str, Any]:
    return {"transition_label": transition_label, "status_label": status_label}


def _error(exc: ValidationFailed | Conflict | PermissionDenied, default_field: str) -> dict[str, Any]:
    if isinstance(exc, ValidationFailed):
        # The comment form's one text field is "comment"; the service names a comment's text "text".
        field = "comment" if exc.field == "text" else exc.field
        return {"field": field, "message": exc.detail, "findings": exc.errors}
    return {"field": default_field, "message": exc.message, "findings": []}


# -- the policy -------------------------------------------------------------------------------------------------


@get("/p/{key:str}/policy", name="governance.policy", include_in_schema=False)
async def policy_page(request: Request[Any, Any, Any], *, principal: Caller, pages: Pages, key: FromPath[str],
                      org: OrgQuery = None) -> Response[Any]:
    """The policy in force (YAML and in words), pending changes, and the form to paste a new one."""
    shown = await pages.policy_page(principal, key, org=org)
    context = {"shown": shown, "view": shown.view, "urls": urls_for(shown.view, org), "form": PolicyForm(),
               "error": None, **_helpers()}
    return page(request, POLICY, context, block="policy_form")


@post("/p/{key:str}/policy", name="governance.policy_submit", include_in_schema=False)
async def submit_policy(request: Request[Any, Any, Any], *, principal: Caller, pages: Pages, policies: Policies,
                        key: FromPath[str], data: Annotated[PolicyForm, URL_ENCODED],
                        org: OrgQuery = None) -> Response[Any]:
    """Validate and apply the pasted policy, or open the approval it needs; findings come back inline (422)."""
    urls = ProjectUrls(key.strip().upper(), org)
    try:
        checked_form(data)
        change = await policies.upload(principal, key, data.policy.encode("utf-8"), comment=data.comment, org=org)
    except (ValidationFailed, Conflict) as exc:
        shown = await pages.policy_page(principal, key, org=org)
        kept = PolicyForm(policy=data.policy if len(data.policy) <= _KEEP else "", comment=data.comment[:5000])
        context = {"shown": shown, "view": shown.view, "urls": urls_for(shown.view, org), "form": kept,
                   "error": _error(exc, "policy"), **_helpers()}
        return page(request, POLICY, context, block="policy_form", status_code=exc.status)
    if change.approval is not None:
        message = _("The change waits for approval: it %(needs)s. The approvers were told by email.") % {
            "needs": change.approval.needs or ""}
        return redirect(request, urls(f"/approvals/{change.approval.id}"), ("success", message))
    if change.changed:
        return redirect(request, urls("/policy"), ("success", _("The new policy is in force.")))
    return redirect(request, urls("/policy"), ("info", _("That is the policy in force already; nothing changed.")))


# -- approvals --------------------------------------------------------------------------------------------------


async def _approvals_context(pages: GovernancePages, principal: Any, key: str, *, status: str, org: str | None,
                             form: RequestForm, error: dict[str, Any] | None) -> dict[str, Any]:
    shown = await pages.approvals_page(principal, key, status=status, org=org)
    return {"shown": shown, "view": shown.view, "urls": urls_for(shown.view, org), "form": form, "error": error,
            **_helpers()}


@get("/p/{key:str}/approvals", name="governance.approvals", include_in_schema=False)
async def approvals_page(request: Request[Any, Any, Any], *, principal: Caller, pages: Pages, key: FromPath[str],
                         org: OrgQuery = None, status: FromQuery[str] = "pending") -> Response[Any]:
    """Requests (pending, decided or all); htmx swaps only the list when the filter changes."""
    context = await _approvals_context(pages, principal, key, status=status, org=org, form=RequestForm(),
                                       error=None)
    return page(request, APPROVALS, context, block="entries")


@post("/p/{key:str}/approvals", name="governance.approval_request", include_in_schema=False)
async def request_approval(request: Request[Any, Any, Any], *, principal: Caller, pages: Pages, approvals: Approvals,
                           key: FromPath[str], data: Annotated[RequestForm, URL_ENCODED],
                           org: OrgQuery = None) -> Response[Any]:
    """Ask for an approval; the request's page follows. A problem shows the form again, the field marked."""
    try:
        checked_form(data)
        asked = await approvals.request(principal, key, data.transition, data.target, data.comment, org=org)
    except (ValidationFailed, Conflict) as exc:
        context = await _approvals_context(pages, principal, key, status="pending", org=org, form=data,
                                           error=_error(exc, "target"))
        return page(request, APPROVALS, context, block="request_form", status_code=exc.status)
    message = _("Approval requested: it %(needs)s. The approvers were told by email.") % {"needs": asked.needs or ""}
    return redirect(request, ProjectUrls(key.strip().upper(), org)(f"/approvals/{asked.id}"), ("success", message))


@get("/p/{key:str}/approvals/{approval_id:str}", name="governance.approval", include_in_schema=False)
async def approval_page(request: Request[Any, Any, Any], *, principal: Caller, pages: Pages, key: FromPath[str],
                        approval_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """A request: what it is for, who may approve it, the thread, and the decision form."""
    shown = await pages.approval_page(principal, key, approval_id, org=org)
    context = {"shown": shown, "view": shown.view, "detail": shown.detail, "urls": urls_for(shown.view, org),
               "form": DecisionForm(), "error": None, **_helpers()}
    return page(request, APPROVAL, context, block="approval")


@post("/p/{key:str}/approvals/{approval_id:str}", name="governance.approval_act", include_in_schema=False)
async def act_on_approval(request: Request[Any, Any, Any], *, principal: Caller, pages: Pages, approvals: Approvals,
                          key: FromPath[str], approval_id: FromPath[str], data: Annotated[DecisionForm, URL_ENCODED],
                          org: OrgQuery = None) -> Response[Any]:
    """Approve, deny, withdraw or comment; htmx gets the updated request, a browser a 303 and a flash. A refusal
    (someone decided first, a missing comment ...) shows the request again with the reason."""
    try:
        checked_form(data)
        message = await _act(approvals, principal, key, approval_id, data=data, org=org)
    except (ValidationFailed, Conflict, PermissionDenied) as exc:
        shown = await pages.approval_page(principal, key, approval_id, org=org)
        context = {"shown": shown, "view": shown.view, "detail": shown.detail, "urls": urls_for(shown.view, org),
                   "form": DecisionForm(decision=data.decision, comment=data.comment[:5000]),
                   "error": _error(exc, "comment"), **_helpers()}
        return page(request, APPROVAL, context, block="approval", status_code=exc.status)
    shown = await pages.approval_page(principal, key, approval_id, org=org)
    context = {"shown": shown, "view": shown.view, "detail": shown.detail, "urls": urls_for(shown.view, org),
               "form": DecisionForm(), "error": None, **_helpers()}
    location = ProjectUrls(key.strip().upper(), org)(f"/approvals/{shown.detail.id}")
    return answer(request, APPROVAL, context, block="approval", location=location, message=message)


async def _act(approvals: ApprovalService, principal: Any, key: str, approval_id: str, *, data: DecisionForm,
               org: str | None) -> str:
    if data.decision in ("approve", "deny"):
        decided = await approvals.decide(principal, key, approval_id, "approve" if data.decision == "approve"
                                         else "deny", data.comment, org=org)
        if decided.status == "pending":
            return _("Your approval is recorded; the request still %(needs)s.") % {"needs": decided.needs or ""}
        return _("The request is approved.") if decided.status == "approved" else _("The request is denied.")
    if data.decision == "withdraw":
        await approvals.withdraw(principal, key, approval_id, data.comment, org=org)
        return _("The request is withdrawn.")
    if data.decision == "comment":
        await approvals.comment(principal, key, approval_id, data.comment, org=org)
        return _("Comment added.")
    raise ValidationFailed("decision", _("choose approve, deny, withdraw or comment"))


router = Router(
    path="/",
    route_handlers=[policy_page, submit_policy, approvals_page, request_approval, approval_page, act_on_approval],
    dependencies={"approvals": Provide(_provide_approvals, sync_to_thread=False),
                  "policies": Provide(_provide_policies, sync_to_thread=False),
                  "pages": Provide(_provide_pages, sync_to_thread=False)},
    include_in_schema=False,
)
