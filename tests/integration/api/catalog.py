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

    @property
    def writes(self) -> bool:
        """Whether the route may change data."""
        return self.method != "GET"

    def url(self, key_id: str = "00000000-0000-0000-0000-000000000000") -> str:
        """The path with acme's WEB project, its microstep and criterion, revision 1 and ``key_id`` filled in."""
        return "/api/v1" + self.path.format(key="WEB", microstep_id=MICROSTEP, criterion_id="c1", number="1",
                                            slug="acme", key_id=key_id)

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
]}
