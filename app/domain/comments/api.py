"""JSON API for comments: ``/projects/{key}/comments`` (threads, edits, history, resolve, links, promotion),
watching plan items, and mention suggestions. Writes need the ``comments:write`` scope (promotion ``plan:write``)."""

from __future__ import annotations

from typing import Annotated, Any, Final

from litestar import Request, Router, delete, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from app.domain.accounts.schemas import Principal
from app.domain.comments.schemas import (
    MAX_THREADS,
    AttachmentCreate,
    CommentCreate,
    CommentHistory,
    CommentInfo,
    CommentUpdate,
    Promoted,
    PromoteRequest,
    ThreadPage,
    WatchRequest,
    WatchState,
)
from app.domain.comments.services import (
    CommentService,
    MentionResolver,
    PromoteService,
    Suggestion,
    ThreadService,
    WatchService,
)
from app.domain.projects.permissions import Action
from app.server.deps import service
from app.server.problems import problem_responses

__all__ = ["router"]

Caller = NamedDependency[Principal]
Comments = NamedDependency[CommentService]
Threads = NamedDependency[ThreadService]
Watches = NamedDependency[WatchService]
OrgQuery = Annotated[str | None, QueryParameter(name="org", description="Organization slug, when a key is ambiguous.")]
EntityTypeQuery = Annotated[str, QueryParameter(description="milestone, step or microstep.")]
EntityIdQuery = Annotated[str, QueryParameter(description="Id of the plan item.")]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=MAX_THREADS, description="Threads per page.")]
OffsetQuery = Annotated[int, QueryParameter(ge=0, le=2**31 - 1, description="Threads to skip.")]
ONE: Final = "/projects/{key:str}/comments/{comment_id:str}"
WRITE: Final = {"action": Action.COMMENT}
WATCH: Final = {"key_scope": "comments:write"}  # a Viewer may watch; a key needs comments:write to do it for them


@get("/projects/{key:str}/comments", operation_id="comments.list", name="comments.list",
     summary="List the comment threads on a plan item", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def list_comments(principal: Caller, comments: Comments, key: FromPath[str], *, entity_type: EntityTypeQuery,
                        entity_id: EntityIdQuery, limit: LimitQuery = 50, offset: OffsetQuery = 0,
                        org: OrgQuery = None) -> ThreadPage:
    """Threads on a milestone, step or microstep, oldest first, each root with its replies."""
    return await comments.threads(principal, key, entity_type, entity_id, limit=limit, offset=offset, org=org)


@post("/projects/{key:str}/comments", operation_id="comments.create", name="comments.create",
      summary="Comment on a plan item or reply to a thread", opt=WRITE,
      responses=problem_responses(404, 413, body=True))
async def create_comment(principal: Caller, comments: Comments, key: FromPath[str], data: JSONBody[CommentCreate],
                         org: OrgQuery = None) -> CommentInfo:
    """A new comment (Markdown, up to 100 kB) with its mentions resolved; ``parent_id`` makes it a reply."""
    return await comments.create(principal, key, data, org=org)


@get(ONE, operation_id="comments.get", name="comments.get", summary="Get a comment",
     opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def get_comment(principal: Caller, comments: Comments, key: FromPath[str], *, comment_id: FromPath[str],
                      org: OrgQuery = None) -> CommentInfo:
    """One comment of the project."""
    return await comments.get(principal, key, comment_id, org=org)


@patch(ONE, operation_id="comments.edit", name="comments.edit", summary="Edit a comment", opt=WRITE,
       responses=problem_responses(404, 409, 413, body=True))
async def edit_comment(principal: Caller, comments: Comments, key: FromPath[str], *, comment_id: FromPath[str],
                       data: JSONBody[CommentUpdate], org: OrgQuery = None) -> CommentInfo:
    """Change the body (the author only); the previous body goes to the history."""
    return await comments.edit(principal, key, comment_id, data.body, org=org)


@delete(ONE, operation_id="comments.delete", name="comments.delete", summary="Delete a comment", opt=WRITE,
        status_code=200, responses=problem_responses(404))
async def delete_comment(principal: Caller, comments: Comments, key: FromPath[str], *, comment_id: FromPath[str],
                         org: OrgQuery = None) -> CommentInfo:
    """Delete a comment (its author, a PM or a TechLead); the thread keeps a placeholder."""
    return await comments.delete(principal, key, comment_id, org=org)


@get(ONE + "/history", operation_id="comments.history", name="comments.history",
     summary="Get a comment's edit history", opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def comment_history(principal: Caller, threads: Threads, key: FromPath[str], *, comment_id: FromPath[str],
                          org: OrgQuery = None) -> CommentHistory:
    """Every version of the body with who wrote it and when, newest first."""
    return await threads.history(principal, key, comment_id, org=org)


@post(ONE + "/resolve", operation_id="comments.resolve", name="comments.resolve", summary="Resolve a thread",
      opt=WRITE, status_code=200, responses=problem_responses(404, body=True))
async def resolve_thread(principal: Caller, threads: Threads, key: FromPath[str], *, comment_id: FromPath[str],
                         org: OrgQuery = None) -> CommentInfo:
    """Mark the comment's thread resolved; answers with the thread's root."""
    return await threads.resolve(principal, key, comment_id, org=org)


@post(ONE + "/reopen", operation_id="comments.reopen", name="comments.reopen", summary="Reopen a thread",
      opt=WRITE, status_code=200, responses=problem_responses(404, body=True))
async def reopen_thread(principal: Caller, threads: Threads, key: FromPath[str], *, comment_id: FromPath[str],
                        org: OrgQuery = None) -> CommentInfo:
    """Reopen the comment's resolved thread; answers with the thread's root."""
    return await threads.reopen(principal, key, comment_id, org=org)


@post(ONE + "/promote", operation_id="comments.promote", name="comments.promote",
      summary="Promote a comment to a microstep", opt={"action": Action.EDIT_PLAN},
      responses=problem_responses(404, 409, body=True))
async def promote_comment(request: Request[Any, Any, Any], principal: Caller,
                          promotions: NamedDependency[PromoteService], key: FromPath[str], *,
                          comment_id: FromPath[str], data: JSONBody[PromoteRequest],
                          org: OrgQuery = None) -> Promoted:
    """Add a microstep made from the comment to a step, as a new plan revision linking back to the comment."""
    return await promotions.promote(principal, key, comment_id, data, org=org,
                                    base_url=request.app.state.settings.base_url)


@post(ONE + "/attachments", operation_id="comments.attach", name="comments.attach",
      summary="Attach a link to a comment", opt=WRITE, responses=problem_responses(404, 409, body=True))
async def attach_link(principal: Caller, threads: Threads, key: FromPath[str], *, comment_id: FromPath[str],
                      data: JSONBody[AttachmentCreate], org: OrgQuery = None) -> CommentInfo:
    """Attach a pull request, file, test result or other http(s) link (the author, a PM or a TechLead)."""
    return await threads.attach(principal, key, comment_id, data, org=org)


@delete(ONE + "/attachments/{attachment_id:str}", operation_id="comments.detach", name="comments.detach",
        summary="Remove a link from a comment", opt=WRITE, status_code=200, responses=problem_responses(404))
async def detach_link(principal: Caller, threads: Threads, key: FromPath[str], *, comment_id: FromPath[str],
                      attachment_id: FromPath[str], org: OrgQuery = None) -> CommentInfo:
    """Remove one of the comment's links (the author, a PM or a TechLead)."""
    return await threads.detach(principal, key, comment_id, attachment_id, org=org)


@post(ONE + "/watch", operation_id="comments.watch", name="comments.watch",
      summary="Watch the plan item of a comment", opt=WATCH, status_code=200,
      responses=problem_responses(404, body=True))
async def watch_comment(principal: Caller, watches: Watches, key: FromPath[str], *, comment_id: FromPath[str],
                        org: OrgQuery = None) -> WatchState:
    """Watch the item the comment is about: you hear of its new comments."""
    return await watches.watch_comment(principal, key, comment_id, watching=True, org=org)


@delete(ONE + "/watch", operation_id="comments.unwatch", name="comments.unwatch",
        summary="Stop watching the plan item of a comment", opt=WATCH, status_code=200,
        responses=problem_responses(404))
async def unwatch_comment(principal: Caller, watches: Watches, key: FromPath[str], *, comment_id: FromPath[str],
                          org: OrgQuery = None) -> WatchState:
    """Stop watching the item the comment is about."""
    return await watches.watch_comment(principal, key, comment_id, watching=False, org=org)


@get("/projects/{key:str}/watch", operation_id="watches.get", name="watches.get",
     summary="Whether you watch a plan item", opt={"action": Action.VIEW_PLAN}, responses=problem_responses(404))
async def watch_state(principal: Caller, watches: Watches, key: FromPath[str], *, entity_type: EntityTypeQuery,
                      entity_id: EntityIdQuery, org: OrgQuery = None) -> WatchState:
    """Whether you watch the item, and how many people do."""
    return await watches.state(principal, key, entity_type, entity_id, org=org)


@put("/projects/{key:str}/watch", operation_id="watches.watch", name="watches.watch", summary="Watch a plan item",
     opt=WATCH, responses=problem_responses(404, body=True))
async def watch_item(principal: Caller, watches: Watches, key: FromPath[str], data: JSONBody[WatchRequest],
                     org: OrgQuery = None) -> WatchState:
    """Watch a milestone, step or microstep (watching it already changes nothing)."""
    return await watches.watch(principal, key, data.entity_type, data.entity_id, org=org)


@delete("/projects/{key:str}/watch", operation_id="watches.unwatch", name="watches.unwatch",
        summary="Stop watching a plan item", opt=WATCH, status_code=200, responses=problem_responses(404))
async def unwatch_item(principal: Caller, watches: Watches, key: FromPath[str], *,
                       entity_type: EntityTypeQuery,
                       entity_id: EntityIdQuery, org: OrgQuery = None) -> WatchState:
    """Stop watching the item (not watching it changes nothing)."""
    return await watches.unwatch(principal, key, entity_type, entity_id, org=org)


@get("/projects/{key:str}/mentions", operation_id="mentions.suggest", name="mentions.suggest",
     summary="Suggest people, roles and teams to mention", opt={"action": Action.VIEW_PLAN},
     responses=problem_responses(404))
async def suggest_mentions(principal: Caller, mentions: NamedDependency[MentionResolver], key: FromPath[str],
                           q: Annotated[str, QueryParameter(max_length=100, description="Text typed after @.")] = "",
                           org: OrgQuery = None) -> list[Suggestion]:
    """Up to eight completions for the text typed after ``@``: people, ``@role:…`` and ``@team:…``."""
    return await mentions.suggestions(principal, key, q, org=org)


router = Router(
    path="/",
    route_handlers=[
        list_comments, create_comment, get_comment, edit_comment, delete_comment, comment_history, resolve_thread,
        reopen_thread, promote_comment, attach_link, detach_link, watch_comment, unwatch_comment, watch_state,
        watch_item, unwatch_item, suggest_mentions,
    ],
    dependencies={"comments": service(CommentService), "threads": service(ThreadService),
                  "promotions": service(PromoteService), "watches": service(WatchService),
                  "mentions": service(MentionResolver)},
    tags=["comments"],
)
