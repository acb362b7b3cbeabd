"""Every ``/api/v1`` route with its matrix entry and a valid request to make of it.

The authorization matrix test checks that this catalogue and the app's route table list the same routes, so a new
route fails the suite until it is entered here with the rule it obeys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from app.domain.accounts.schemas import Scope
from app.domain.projects.permissions import Action
from tests.integration.conftest import plan_bytes

__all__ = ["ENDPOINTS", "Endpoint", "route_key"]

Tenant = Literal["project", "org", "user"]
MICROSTEP: Final = "ms-212"  # todo, with two unmet criteria
# The matrix world has no conflict-log entry: its routes answer 404 to those allowed past the rule (that a real entry
# is shown or resolved by exactly the roles the matrix allows is tests/integration/projects/test_conflict_access.py).
NO_CONFLICT: Final = "00000000-0000-7000-8000-000000000000"
# Nor an approval request: the routes of one request answer 404 past the rule (who may decide a real one is the
# policy's call, tests/integration/governance/).
NO_APPROVAL: Final = "00000000-0000-7000-8000-000000000001"
# Nor a comment, an attachment or a team: their routes answer 404 past the rule too (who may do what with real ones is
# tests/integration/comments/test_api.py).
NO_COMMENT: Final = "00000000-0000-7000-8000-000000000002"
NO_ATTACHMENT: Final = "00000000-0000-7000-8000-000000000003"
NO_TEAM: Final = "no-such-team"
NO_NOTIFICATION: Final = "00000000-0000-7000-8000-000000000004"
ON_ITEM: Final = "entity_type=microstep&entity_id=" + MICROSTEP


@dataclass(frozen=True)
class Endpoint:
    """A route: ``rule`` is its matrix entry (a project action, or the key scope of a route outside projects);
    ``tenant`` says whose data it touches (``user``: the caller's own, never another organization's)."""

    operation: str
    method: str
    path: str
    rule: Action | Scope
    success: int = 200
    tenant: Tenant = "project"
    body: Callable[[str], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    query: str = ""

    @property
    def writes(self) -> bool:
        """Whether the route may change data."""
        return self.method != "GET"

    def url(self, key_id: str = "00000000-0000-0000-0000-000000000000") -> str:
        """The path with acme's WEB project, its microstep and criterion, revision 1 and ``key_id`` filled in, and
        the query."""
        path = self.path.format(key="WEB", microstep_id=MICROSTEP, criterion_id="c1", number="1", slug="acme",
                                key_id=key_id, conflict_id=NO_CONFLICT, seq="1",
                                approval_id=NO_APPROVAL, comment_id=NO_COMMENT, attachment_id=NO_ATTACHMENT,
                                team=NO_TEAM, notification_id=NO_NOTIFICATION)
        return "/api/v1" + path + (f"?{self.query}" if self.query else "")

    def content(self, unique: str) -> bytes | None:
        """A valid body for this route, made unique with ``unique`` where the route creates something."""
        if self.body is None:
            return None
        value = self.body(unique)
        return value if isinstance(value, bytes) else json.dumps(value).encode()


def route_key(method: str, path: str) -> tuple[str, str]:
    """``("GET", "/api/v1/projects/{key}")`` from a route table path such as ``/api/v1/projects/{key:str}``."""
    return method, re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


ENDPOINTS: Final = {endpoint.operation: endpoint for endpoint in [
    Endpoint("projects.list", "GET", "/projects", "plan:read", tenant="user"),
    Endpoint("projects.create", "POST", "/projects", "admin", 201, "org",
             lambda u: {"org": "acme", "key": f"NEW{u}", "name": "New project"}),
    Endpoint("projects.get", "GET", "/projects/{key}", Action.VIEW_PLAN),
    Endpoint("members.list", "GET", "/projects/{key}/members", Action.VIEW_PLAN),
    Endpoint("members.set", "PUT", "/projects/{key}/members", Action.MANAGE_MEMBERS,
             body=lambda _: {"email": "gus@example.com", "role": "QA"}),
    Endpoint("plans.get", "GET", "/projects/{key}/plan", Action.VIEW_PLAN),
    Endpoint("plans.put", "PUT", "/projects/{key}/plan", Action.EDIT_PLAN,
             body=lambda u: plan_bytes(note=u), headers={"If-Match": "*"}),
    # From revision 1, which is stale once plans.put has run: an empty delta merged into the current plan.
    Endpoint("plans.patch", "PATCH", "/projects/{key}/plan", Action.EDIT_PLAN, body=lambda _: {"delta": None},
             headers={"If-Match": '"1"'}),
    Endpoint("plans.delta", "GET", "/projects/{key}/plan/delta", Action.VIEW_PLAN, query="from=1"),
    Endpoint("conflicts.list", "GET", "/projects/{key}/conflicts", Action.VIEW_PLAN),
    Endpoint("conflicts.get", "GET", "/projects/{key}/conflicts/{conflict_id}", Action.VIEW_PLAN, 404),
    Endpoint("conflicts.resolve", "POST", "/projects/{key}/conflicts/{conflict_id}/resolve", Action.EDIT_PLAN, 404,
             body=lambda _: {"resolutions": {}}),
    Endpoint("policy.get", "GET", "/projects/{key}/policy", Action.VIEW_PLAN),
    # The default policy governs policy changes: an upload opens an approval request (202), one per caller's text.
    Endpoint("policy.put", "PUT", "/projects/{key}/policy", Action.CHANGE_POLICY, 202,
             body=lambda u: f"version: 1\n# upload {u}\n".encode(), headers={"Content-Type": "application/yaml"}),
    Endpoint("approvals.list", "GET", "/projects/{key}/approvals", Action.VIEW_PLAN),
    Endpoint("approvals.create", "POST", "/projects/{key}/approvals", Action.REQUEST_APPROVAL, 201,
             body=lambda u: {"transition": "milestone_completion", "target": f"m-{u}"}),
    Endpoint("approvals.get", "GET", "/projects/{key}/approvals/{approval_id}", Action.VIEW_PLAN, 404),
    Endpoint("approvals.approve", "POST", "/projects/{key}/approvals/{approval_id}/approve", Action.DECIDE_APPROVAL,
             404, body=lambda _: {}),
    Endpoint("approvals.deny", "POST", "/projects/{key}/approvals/{approval_id}/deny", Action.DECIDE_APPROVAL, 404,
             body=lambda _: {"comment": "no"}),
    Endpoint("approvals.withdraw", "POST", "/projects/{key}/approvals/{approval_id}/withdraw",
             Action.REQUEST_APPROVAL, 404),
    Endpoint("approvals.comment", "POST", "/projects/{key}/approvals/{approval_id}/comment", Action.REQUEST_APPROVAL,
             404, body=lambda _: {"text": "a comment"}),
    # follow=false: the stream sends what the caller missed and closes, so the matrix can wait for its end.
    Endpoint("live.events", "GET", "/projects/{key}/events", Action.VIEW_PLAN, query="follow=false"),
    Endpoint("comments.list", "GET", "/projects/{key}/comments", Action.VIEW_PLAN, query=ON_ITEM),
    Endpoint("comments.create", "POST", "/projects/{key}/comments", Action.COMMENT, 201,
             body=lambda u: {"entity_type": "microstep", "entity_id": MICROSTEP, "body": f"Comment {u}"}),
    Endpoint("comments.get", "GET", "/projects/{key}/comments/{comment_id}", Action.VIEW_PLAN, 404),
    Endpoint("comments.edit", "PATCH", "/projects/{key}/comments/{comment_id}", Action.COMMENT, 404,
             body=lambda _: {"body": "Edited"}),
    Endpoint("comments.delete", "DELETE", "/projects/{key}/comments/{comment_id}", Action.COMMENT, 404),
    Endpoint("comments.history", "GET", "/projects/{key}/comments/{comment_id}/history", Action.VIEW_PLAN, 404),
    Endpoint("comments.resolve", "POST", "/projects/{key}/comments/{comment_id}/resolve", Action.COMMENT, 404),
    Endpoint("comments.reopen", "POST", "/projects/{key}/comments/{comment_id}/reopen", Action.COMMENT, 404),
    Endpoint("comments.promote", "POST", "/projects/{key}/comments/{comment_id}/promote", Action.EDIT_PLAN, 404,
             body=lambda _: {"title": "From a comment", "step_id": "st-21"}),
    Endpoint("comments.attach", "POST", "/projects/{key}/comments/{comment_id}/attachments", Action.COMMENT, 404,
             body=lambda _: {"kind": "link", "url": "https://example.com/a"}),
    Endpoint("comments.detach", "DELETE", "/projects/{key}/comments/{comment_id}/attachments/{attachment_id}",
             Action.COMMENT, 404),
    # Watching is a person's own subscription: a Viewer may watch, a key needs comments:write to do it for them.
    Endpoint("comments.watch", "POST", "/projects/{key}/comments/{comment_id}/watch", "comments:write", 404),
    Endpoint("comments.unwatch", "DELETE", "/projects/{key}/comments/{comment_id}/watch", "comments:write", 404),
    Endpoint("watches.get", "GET", "/projects/{key}/watch", Action.VIEW_PLAN, query=ON_ITEM),
    Endpoint("watches.watch", "PUT", "/projects/{key}/watch", "comments:write",
             body=lambda _: {"entity_type": "microstep", "entity_id": MICROSTEP}),
    Endpoint("watches.unwatch", "DELETE", "/projects/{key}/watch", "comments:write", query=ON_ITEM),
    Endpoint("mentions.suggest", "GET", "/projects/{key}/mentions", Action.VIEW_PLAN, query="q=a"),
    Endpoint("timeline.list", "GET", "/projects/{key}/timeline", Action.VIEW_PLAN, query="kind=status,sync"),
    Endpoint("timeline.burnup", "GET", "/projects/{key}/burnup", Action.VIEW_PLAN),
    Endpoint("revisions.list", "GET", "/projects/{key}/revisions", Action.VIEW_PLAN),
    Endpoint("revisions.get", "GET", "/projects/{key}/revisions/{number}", Action.VIEW_PLAN),
    Endpoint("microsteps.list", "GET", "/projects/{key}/microsteps", Action.VIEW_PLAN),
    Endpoint("microsteps.get", "GET", "/projects/{key}/microsteps/{microstep_id}", Action.VIEW_PLAN),
    Endpoint("microsteps.set_status", "PUT", "/projects/{key}/microsteps/{microstep_id}/status",
             Action.CHANGE_STATUS, body=lambda _: {"status": "in_progress"}),
    Endpoint("microsteps.check_criterion", "PUT", "/projects/{key}/microsteps/{microstep_id}/criteria/{criterion_id}",
             Action.CHECK_CRITERIA, body=lambda _: {"met": True}),
    Endpoint("api_keys.list", "GET", "/api-keys", "admin", tenant="user"),
    Endpoint("api_keys.create", "POST", "/api-keys", "admin", 201, "user",
             lambda u: {"name": f"key {u}", "scopes": ["plan:read"]}),
    Endpoint("api_keys.revoke", "DELETE", "/api-keys/{key_id}", "admin", tenant="user"),
    Endpoint("orgs.list", "GET", "/orgs", "plan:read", tenant="user"),
    Endpoint("orgs.create", "POST", "/orgs", "admin", 201, "user", lambda u: {"slug": f"new-{u}", "name": "New"}),
    Endpoint("orgs.members", "GET", "/orgs/{slug}/members", "plan:read", tenant="org"),
    # Any member of an organization may create a team; changing one is for its owners, admins and the team's creator
    # (tests/integration/comments/test_api.py): here the team does not exist, so past the key scope it is 404.
    Endpoint("teams.list", "GET", "/orgs/{slug}/teams", "plan:read", tenant="org"),
    Endpoint("teams.create", "POST", "/orgs/{slug}/teams", "admin", 201, "org",
             lambda u: {"slug": f"team-{u}", "name": "A team"}),
    Endpoint("teams.add_member", "PUT", "/orgs/{slug}/teams/{team}/members", "admin", 404, "org",
             lambda _: {"email": "gus@example.com"}),
    Endpoint("teams.remove_member", "DELETE", "/orgs/{slug}/teams/{team}/members", "admin", 404, "org",
             query="email=gus@example.com"),
    Endpoint("teams.delete", "DELETE", "/orgs/{slug}/teams/{team}", "admin", 404, "org"),
    # The audit ledger is for GlobalAdmin and TenantAdmin, roles nobody in the matrix world holds: past the key scope
    # every caller gets 403 (the admin roles, and TenantAdmin's view of its own organizations, are
    # tests/integration/audit/test_access.py).
    Endpoint("audit.entries", "GET", "/audit/entries", "admin", 403, "user"),
    Endpoint("audit.verify", "GET", "/audit/verify", "admin", 403, "user"),
    Endpoint("audit.proof", "GET", "/audit/entries/{seq}/proof", "admin", 403, "user"),
    Endpoint("audit.consistency", "GET", "/audit/consistency", "admin", 403, "user", query="old=1"),
    # Notifications are the caller's own (tenant "user"); the matrix world has none, so marking one read is 404.
    Endpoint("notifications.list", "GET", "/notifications", "plan:read", tenant="user"),
    Endpoint("notifications.read", "POST", "/notifications/{notification_id}/read", "comments:write", 404,
             "user"),
    Endpoint("notifications.read_all", "POST", "/notifications/read-all", "comments:write", tenant="user"),
    Endpoint("notifications.preferences", "GET", "/notifications/preferences", "plan:read", tenant="user"),
    Endpoint("notifications.update_preferences", "PUT", "/notifications/preferences", "comments:write",
             tenant="user", body=lambda _: {"settings": [{"kind": "comment.watch", "channel": "email",
                                                           "enabled": True}]}),
]}
