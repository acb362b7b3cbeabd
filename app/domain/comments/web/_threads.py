"""The discussion of a plan item (``/p/{key}/comments/{type}/{id}``): threads, posting, watching, permalinks and
mention suggestions."""

from __future__ import annotations

from typing import Annotated, Any, Final
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import CommentCreate, CommentInfo
from app.domain.comments.services import CommentService, check_entity_type
from app.domain.comments.web._common import (
    THREAD,
    URL_ENCODED,
    AttachmentForm,
    Caller,
    CommentForm,
    Comments,
    CommentUrls,
    Mentions,
    OrgQuery,
    Watches,
    error_of,
    thread_context,
)
from app.domain.projects.web._common import parse_number
from app.lib.errors import Conflict, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import is_fragment_request, page, redirect

__all__ = ["PAGE_SIZE", "comment_permalink", "mention_suggestions", "post_comment", "thread_answer", "thread_page",
           "toggle_watch"]

PAGE_SIZE: Final = 50
PageQuery = Annotated[str, QueryParameter(name="page", required=False)]
ThreadPath: Final = "/p/{key:str}/comments/{entity_type:str}/{entity_id:str}"


class WatchForm(msgspec.Struct):
    """The watch button: ``watch`` is ``1`` to start watching, ``0`` to stop."""

    watch: str = "1"


def _offset(page_number: str) -> int:
    return (parse_number("page", page_number or "1") - 1) * PAGE_SIZE


@get(ThreadPath, name="comments.thread")
async def thread_page(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, key: FromPath[str],
                      entity_type: FromPath[str], entity_id: FromPath[str], org: OrgQuery = None,
                      page_number: PageQuery = "1") -> Response[Any]:
    """The item's threads with reply, edit, delete and resolve buttons, the comment form and the watch button."""
    view = await comments.view(principal, key, entity_type, entity_id, limit=PAGE_SIZE, offset=_offset(page_number),
                               org=org)
    return page(request, THREAD, thread_context(view, org), block="thread")


def _new_comment(data: CommentForm, entity_type: str, entity_id: str) -> CommentCreate:
    parent: UUID | None = None
    if data.parent_id.strip():
        try:
            parent = UUID(data.parent_id.strip())
        except ValueError:
            raise ValidationFailed("parent_id", _("reply to a comment of this page")) from None
    links = [AttachmentForm(kind=data.link_kind, url=data.link_url, title=data.link_title).attachment()] \
        if data.link_url.strip() else []
    return CommentCreate(entity_type=check_entity_type(entity_type), entity_id=entity_id, body=data.body,
                         parent_id=parent, attachments=links)


@post(ThreadPath, name="comments.post")
async def post_comment(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, key: FromPath[str],
                       entity_type: FromPath[str], entity_id: FromPath[str],
                       data: Annotated[CommentForm, URL_ENCODED], org: OrgQuery = None) -> Response[Any]:
    """Post a comment or a reply; a problem (empty, too long, ambiguous mention) shows the form again."""
    try:
        created = await comments.create(principal, key, _new_comment(data, entity_type, entity_id), org=org)
    except (ValidationFailed, Conflict) as exc:
        view = await comments.view(principal, key, entity_type, entity_id, limit=PAGE_SIZE, org=org)
        kept = msgspec.structs.replace(data, body=data.body.replace("\x00", "")[:200_000])
        context = thread_context(view, org, form=kept, error=error_of(exc), reply_to=data.parent_id.strip() or None)
        return page(request, THREAD, context, block="thread", status_code=exc.status)
    message = _("Your reply is posted.") if created.parent_id else _("Your comment is posted.")
    return await thread_answer(request, principal, comments, key=key, comment=created, org=org, message=message)


async def thread_answer(request: Request[Any, Any, Any], principal: Principal, comments: CommentService, *,
                        key: str, comment: CommentInfo, org: str | None, message: str) -> Response[Any]:
    """After a change: htmx gets the updated thread with ``message`` announced, a browser a 303 to the comment."""
    if not is_fragment_request(request):
        _info, position = await comments.locate(principal, key, comment.id, org=org)
        target = CommentUrls(key, org).thread(comment.entity_type, comment.entity_id,
                                              page=position // PAGE_SIZE + 1 if position >= PAGE_SIZE else None)
        return redirect(request, f"{target}#comment-{comment.id}", ("success", message))
    view = await comments.view(principal, key, comment.entity_type, comment.entity_id, limit=PAGE_SIZE, org=org)
    return page(request, THREAD, thread_context(view, org, message=message), block="thread")


@get("/p/{key:str}/c/{comment_id:str}", name="comments.permalink")
async def comment_permalink(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments,
                            key: FromPath[str], comment_id: FromPath[str], org: OrgQuery = None) -> Response[Any]:
    """A comment's permanent address: the page of its thread, scrolled to it."""
    comment, position = await comments.locate(principal, key, comment_id, org=org)
    page_number = position // PAGE_SIZE + 1 if position >= PAGE_SIZE else None
    target = CommentUrls(key, org).thread(comment.entity_type, comment.entity_id, page=page_number)
    return redirect(request, f"{target}#comment-{comment.id}")


@post("/p/{key:str}/watch/{entity_type:str}/{entity_id:str}", name="comments.watch_page")
async def toggle_watch(request: Request[Any, Any, Any], *, principal: Caller, comments: Comments, watches: Watches,
                       key: FromPath[str], entity_type: FromPath[str], entity_id: FromPath[str],
                       data: Annotated[WatchForm, URL_ENCODED], org: OrgQuery = None) -> Response[Any]:
    """Watch or stop watching the item; htmx swaps the button, a browser goes back to the discussion."""
    change = watches.watch if data.watch.strip() != "0" else watches.unwatch
    state = await change(principal, key, entity_type, entity_id, org=org)
    message = _("You are watching this item.") if state.watching else _("You stopped watching this item.")
    if not is_fragment_request(request):
        return redirect(request, CommentUrls(key, org).thread(entity_type, entity_id), ("success", message))
    view = await comments.view(principal, key, entity_type, entity_id, limit=1, org=org)
    return page(request, THREAD, thread_context(view, org, watch_message=message), block="watch")


@get("/p/{key:str}/mentions", name="comments.mentions")
async def mention_suggestions(request: Request[Any, Any, Any], *, principal: Caller, mentions: Mentions,
                              key: FromPath[str], org: OrgQuery = None,
                              q: Annotated[str, QueryParameter(required=False)] = "") -> Response[Any]:
    """Who can be mentioned: the listbox options for the comment box (htmx), or a page listing them."""
    suggestions = await mentions.suggestions(principal, key, q[:100], org=org)
    context = {"suggestions": suggestions, "q": q[:100], "key": key, "org": org,
               "fragment": is_fragment_request(request)}
    return page(request, "comments/mentions.html.j2", context, block="options")
