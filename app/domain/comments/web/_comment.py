"""One comment's pages and buttons: edit (with its links), history, delete, resolve and reopen its thread."""

from __future__ import annotations

from typing import Annotated, Any, Final

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath

from app.domain.accounts.schemas import Principal
from app.domain.comments.services import CommentService
from app.domain.comments.web._common import (
    URL_ENCODED,
    AttachmentForm,
    Caller,
    Comments,
    CommentUrls,
    OrgQuery,
    Threads,
    attachment_kinds,
    error_of,
)
from app.domain.comments.web._threads import thread_answer
from app.domain.projects.web._common import ProjectUrls
from app.lib.errors import Conflict, PermissionDenied, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import page, redirect

__all__ = ["add_link", "comment_history", "delete_comment", "edit_form", "remove_link", "reopen_thread",
           "resolve_thread", "save_edit"]

EDIT: Final = "comments/edit.html.j2"
One: Final = "/p/{key:str}/c/{comment_id:str}"


class EditForm(msgspec.Struct):
    """A comment's new body."""

    body: str = ""


async def _edit_page(request: Request[Any, Any, Any], principal: Principal, comments: CommentService, *, key: str,
                     comment_id: str, org: str | None, status: int = 200, **extra: Any) -> Response[Any]:
    comment = await comments.get(principal, key, comment_id, org=org)
    if not comment.can_edit and not comment.can_delete:
        raise PermissionDenied(_("only the author of a comment, a PM or a TechLead can change it"))
    context = {"comment": comment, "curls": CommentUrls(key, org), "urls": ProjectUrls(key, org), "key": key,
               "attachment_kinds": attachment_kinds(), "body": comment.body, "link": AttachmentForm(),
               "error": None, **extra}
    return page(request, EDIT, context, block="edit", status_code=status)


@get(One + "/edit", name="comments.edit_form")
async def edit_form(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, key: FromPath[str],
                    comment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """The comment's body to edit (its author) and its links to add or remove (the author or a moderator)."""
    return await _edit_page(request, principal, comments, key=key, comment_id=comment_id, org=org)


@post(One + "/edit", name="comments.save_edit")
async def save_edit(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, key: FromPath[str],
                    comment_id: FromPath[str], data: Annotated[EditForm, URL_ENCODED],
                    org: OrgQuery = None) -> Response[Any]:
    """Save the new body; the old one goes to the history. A problem shows the form again."""
    try:
        comment = await comments.edit(principal, key, comment_id, data.body, org=org)
    except (ValidationFailed, Conflict) as exc:
        return await _edit_page(request, principal, comments, key=key, comment_id=comment_id, org=org,
                                status=exc.status,
                                body=data.body.replace("\x00", "")[:200_000], error=error_of(exc))
    return await thread_answer(request, principal, comments, key=key, comment=comment, org=org,
                               message=_("Your comment is updated."))


@post(One + "/delete", name="comments.delete_page")
async def delete_comment(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments,
                         key: FromPath[str], comment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """Delete the comment (its author, a PM or a TechLead); the thread keeps a placeholder."""
    comment = await comments.delete(principal, key, comment_id, org=org)
    return await thread_answer(request, principal, comments, key=key, comment=comment, org=org,
                               message=_("The comment is deleted."))


@post(One + "/resolve", name="comments.resolve_page")
async def resolve_thread(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, threads: Threads,
                         key: FromPath[str], comment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """Mark the thread resolved."""
    root = await threads.resolve(principal, key, comment_id, org=org)
    return await thread_answer(request, principal, comments, key=key, comment=root, org=org,
                               message=_("The thread is resolved."))


@post(One + "/reopen", name="comments.reopen_page")
async def reopen_thread(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, threads: Threads,
                        key: FromPath[str], comment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """Reopen the resolved thread."""
    root = await threads.reopen(principal, key, comment_id, org=org)
    return await thread_answer(request, principal, comments, key=key, comment=root, org=org,
                               message=_("The thread is open again."))


@post(One + "/attachments", name="comments.add_link")
async def add_link(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, threads: Threads,
                   key: FromPath[str], comment_id: FromPath[str], data: Annotated[AttachmentForm, URL_ENCODED],
                   org: OrgQuery = None) -> Response[Any]:
    """Attach a link; a problem (not http or https) shows the form again."""
    try:
        await threads.attach(principal, key, comment_id, data.attachment(), org=org)
    except (ValidationFailed, Conflict) as exc:
        kept = AttachmentForm(kind=data.kind, url=data.url.replace("\x00", "")[:2000],
                              title=data.title.replace("\x00", "")[:200])
        return await _edit_page(request, principal, comments, key=key, comment_id=comment_id, org=org,
                                status=exc.status, link=kept,
                                error=error_of(exc, "url"))
    return redirect(request, CommentUrls(key, org).comment(comment_id, "/edit"), ("success", _("The link is added.")))


@post(One + "/attachments/{attachment_id:str}/delete", name="comments.remove_link")
async def remove_link(request: Request[Any, Any, Any], *, principal: Caller, threads: Threads, key: FromPath[str],
                      comment_id: FromPath[str], attachment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """Remove one of the comment's links."""
    await threads.detach(principal, key, comment_id, attachment_id, org=org)
    return redirect(request, CommentUrls(key, org).comment(comment_id, "/edit"), ("success", _("The link is removed.")))


@get(One + "/history", name="comments.history_page")
async def comment_history(request: Request[Any, Any, Any], *, principal: Caller, threads: Threads,
                          key: FromPath[str], comment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """Every version of the comment's body, newest first, with who wrote it and when."""
    history = await threads.history(principal, key, comment_id, org=org)
    context = {"history": history, "comment": history.comment, "curls": CommentUrls(key, org),
               "urls": ProjectUrls(key, org), "key": key}
    return page(request, "comments/history.html.j2", context, block="versions")
