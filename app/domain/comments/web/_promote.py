"""Promoting a comment to a microstep from a page: a form with the title, the criteria and the target step."""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import PromoteRequest
from app.domain.comments.services import PromoteService
from app.domain.comments.web._common import URL_ENCODED, Caller, CommentUrls, OrgQuery, Promotions, error_of
from app.domain.projects.web._common import ProjectUrls
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import page, redirect

__all__ = ["promote_comment", "promote_form"]

PROMOTE: Final = "comments/promote.html.j2"
One: Final = "/p/{key:str}/c/{comment_id:str}/promote"


class PromoteForm(msgspec.Struct):
    """The promote form: ``criteria`` holds one acceptance criterion per line."""

    title: str = ""
    step_id: str = ""
    criteria: str = ""

    def request(self) -> PromoteRequest:
        """The form as the service takes it."""
        return PromoteRequest(title=self.title[:500], step_id=self.step_id[:200],
                              criteria=[line[:1000] for line in self.criteria.splitlines()][:50])


async def _form(request: Request[Any, Any, Any], principal: Principal, promotions: PromoteService, *, key: str,
                comment_id: str, org: str | None, form: PromoteForm | None = None,
                error: dict[str, str] | None = None, status: int = 200) -> Response[Any]:
    choices = await promotions.choices(principal, key, comment_id, org=org)
    shown = form or PromoteForm(title=choices.title, step_id=choices.step_id)
    context = {"choices": choices, "comment": choices.comment, "form": shown, "error": error, "key": key,
               "curls": CommentUrls(key, org), "urls": ProjectUrls(key, org)}
    return page(request, PROMOTE, context, block="promote", status_code=status)


@get(One, name="comments.promote_form")
async def promote_form(request: Request[Any, Any, Any], *, principal: Caller, promotions: Promotions,
                       key: FromPath[str], comment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """The form that makes the comment a microstep (PMs and TechLeads)."""
    return await _form(request, principal, promotions, key=key, comment_id=comment_id, org=org)


@post(One, name="comments.promote_page")
async def promote_comment(request: Request[Any, Any, Any], *, principal: Caller, promotions: Promotions,
                          key: FromPath[str], comment_id: FromPath[str], data: Annotated[PromoteForm, URL_ENCODED],
                          org: OrgQuery = None) -> Response[Any]:
    """Add the microstep as a new plan revision and go to it; a problem shows the form again."""
    try:
        promoted = await promotions.promote(principal, key, comment_id, data.request(), org=org,
                                            base_url=request.app.state.settings.base_url)
    except (ValidationFailed, Conflict) as exc:
        kept = PromoteForm(title=data.title.replace("\x00", "")[:500], step_id=data.step_id.replace("\x00", "")[:200],
                           criteria=data.criteria.replace("\x00", "")[:50_000])
        return await _form(request, principal, promotions, key=key, comment_id=comment_id, org=org, form=kept,
                           error=error_of(exc, "title"), status=exc.status)
    message = _("The comment is now microstep %(id)s (plan revision %(revision)d).") % {
        "id": promoted.microstep_id, "revision": promoted.revision}
    return redirect(request, ProjectUrls(key, org).microstep(promoted.microstep_id), ("success", message))
