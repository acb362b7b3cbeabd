"""Comment pages (HTML, HTMX-enhanced, each working without JavaScript): a plan item's discussion, a comment's edit,
history and promote pages, the watch button and mention suggestions."""

from __future__ import annotations

from litestar import Router

from app.domain.accounts.web import requires_session
from app.domain.comments.web._comment import (
    add_link,
    comment_history,
    delete_comment,
    edit_form,
    remove_link,
    reopen_thread,
    resolve_thread,
    save_edit,
)
from app.domain.comments.web._common import dependencies
from app.domain.comments.web._promote import promote_comment, promote_form
from app.domain.comments.web._threads import (
    comment_permalink,
    mention_suggestions,
    post_comment,
    thread_page,
    toggle_watch,
)

__all__ = ["router"]

router = Router(
    path="/",
    route_handlers=[
        thread_page, post_comment, comment_permalink, toggle_watch, mention_suggestions, edit_form, save_edit,
        delete_comment, resolve_thread, reopen_thread, add_link, remove_link, comment_history, promote_form,
        promote_comment,
    ],
    dependencies=dependencies(),
    guards=[requires_session],
    include_in_schema=False,
)
