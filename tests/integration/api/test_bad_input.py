"""Bad input on every endpoint: a 4xx problem+json naming the problem, never a 5xx, and nothing changed.

Conventions under test (docs/api.md): 400 when the request does not fit the documented schema (malformed JSON, a
wrong type, a missing or unknown field, a value outside the enum or range, a junk revision number); 422 when it fits
but breaks a rule (NUL characters, a malformed key or email, plan lint findings); 413 too large; 415 not JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.integration.api.conftest import JSON, Client, Team, fingerprint, key_caller, revision_count

WEB = "/api/v1/projects/WEB"
MS = f"{WEB}/microsteps/ms-212"


@dataclass(frozen=True)
class Case:
    """One bad request: ``says`` must appear in the problem's ``detail``."""

    method: str
    path: str
    status: int
    says: str
    body: object = None
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))

    def content(self) -> bytes | None:
        """The body as sent."""
        if self.body is None or isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode()


# A valid body per write endpoint, to spoil one way at a time.
WRITES: dict[tuple[str, str], dict[str, object]] = {
    ("POST", "/api/v1/projects"): {"org": "acme", "key": "NEWKEY", "name": "New"},
    ("PUT", f"{WEB}/members"): {"email": "gus@example.com", "role": "QA"},
    ("PUT", f"{MS}/status"): {"status": "in_progress"},
    ("PUT", f"{MS}/criteria/c1"): {"met": True},
    ("POST", "/api/v1/api-keys"): {"name": "ci", "scopes": ["plan:read"], "expires_days": 30},
    ("POST", "/api/v1/orgs"): {"slug": "initech", "name": "Initech"},
}
WRONG_TYPE = {"org": 5, "email": 1, "status": 5, "met": "yes", "scopes": "plan:read", "slug": ["a"]}


def _first(body: dict[str, object]) -> str:
    return next(iter(body))


# Grouped so that each group shares one world: four groups, not one test per case, keep the suite fast.
CASES: dict[str, list[Case]] = {
    "body-size-syntax-and-type": [
        *[Case(m, p, 413, "", b'{"name": "' + b"x" * 300_000 + b'"}') for m, p in WRITES],
        Case("PUT", f"{WEB}/plan", 413, "", b" " * 300_000, {**JSON, "If-Match": '"1"'}),
        *[Case(m, p, 400, "not valid JSON", b'{"status": ') for m, p in WRITES],
        *[Case(m, p, 400, "not valid JSON", b"[1, 2") for m, p in WRITES],
        # The plan is a document checked by the Build Spec linter: unparseable JSON is one of its findings.
        Case("PUT", f"{WEB}/plan", 422, "problem", b'{"version": 1,', {**JSON, "If-Match": '"1"'}),
        *[Case(m, p, 415, "application/json", body, {"Content-Type": "text/plain"}) for (m, p), body in WRITES.items()],
        *[Case(m, p, 415, "application/json", body, {"Content-Type": "application/x-www-form-urlencoded"})
          for (m, p), body in WRITES.items()],
        Case("PUT", f"{WEB}/plan", 415, "application/json", b"{}", {"Content-Type": "text/plain", "If-Match": '"1"'}),
    ],
    "fields-types-and-values": [
        *[Case(m, p, 400, name, {**body, name: WRONG_TYPE[name]})
          for (m, p), body in WRITES.items() for name in body if name in WRONG_TYPE],
        Case("PUT", f"{MS}/criteria/c1", 400, "met", {"met": 1}),
        Case("PUT", f"{MS}/status", 400, "status", {"status": None}),
        Case("PUT", f"{MS}/status", 400, "Expected `object`, got `array`", [{"status": "done"}]),
        Case("PUT", f"{MS}/criteria/c1", 400, "met", {"met": "true"}),
        Case("POST", "/api/v1/api-keys", 400, "expires_days", {"name": "k", "scopes": ["admin"], "expires_days": "5"}),
        Case("PUT", f"{MS}/status", 400, "status", {"status": "finished"}),
        Case("PUT", f"{WEB}/members", 400, "role", {"email": "gus@example.com", "role": "Boss"}),
        Case("POST", "/api/v1/api-keys", 400, "scopes", {"name": "k", "scopes": ["root"]}),
        Case("POST", "/api/v1/api-keys", 400, "scopes", {"name": "k", "scopes": []}),
        Case("GET", f"{WEB}/microsteps?status=finished", 400, "status"),
        Case("PUT", f"{MS}/status", 422, "criteria", {"status": "done"}),  # a rule, not the schema
        Case("PUT", f"{WEB}/members", 422, "email", {"email": "not an email", "role": "QA"}),
        Case("POST", "/api/v1/projects", 422, "key", {"org": "acme", "key": "no spaces", "name": "x"}),
        Case("POST", "/api/v1/orgs", 422, "slug", {"slug": "-bad-", "name": "x"}),
        Case("PUT", f"{MS}/criteria/nope", 404, "nope", {"met": True}),
        Case("PUT", f"{WEB}/microsteps/ms-999/status", 404, "ms-999", {"status": "todo"}),
        *[Case(m, p, 400, f"`{_first(body)}`", {k: v for k, v in body.items() if k != _first(body)})
          for (m, p), body in WRITES.items()],
        *[Case(m, p, 400, "`colour`", {**body, "colour": "red"}) for (m, p), body in WRITES.items()],
        *[Case(m, p, 400, "", b"") for m, p in WRITES],
    ],
    "nul": [
        *[Case(m, p, 422, f"{name}: must not contain NUL", {**body, name: "bad\u0000value"})
          for (m, p), body in WRITES.items() for name in body],
        Case("POST", "/api/v1/api-keys", 422, "scopes[0]: must not contain NUL", {"name": "k", "scopes": ["\u0000"]}),
        Case("PUT", f"{WEB}/plan", 422, "project.name: must not contain NUL", json.loads(
            b'{"version": 1, "project": {"name": "n\\u0000"}}'), {**JSON, "If-Match": '"1"'}),
        Case("GET", "/api/v1/projects/WE%00B", 422, "must not contain NUL"),
        Case("GET", f"{WEB}/microsteps?q=a%00b", 422, "q: must not contain NUL"),
        Case("GET", f"{WEB}/microsteps?owner=%00", 422, "owner: must not contain NUL"),
        Case("GET", f"{WEB}/microsteps?tag=%00", 422, "tag: must not contain NUL"),
        Case("GET", f"{WEB}/plan?org=ac%00me", 422, "org: must not contain NUL"),
        Case("GET", f"{WEB}/microsteps/ms%00", 422, "must not contain NUL"),
        Case("PUT", f"{MS}/criteria/c%001", 422, "must not contain NUL", {"met": True}),
        Case("GET", "/api/v1/orgs/ac%00me/members", 422, "must not contain NUL"),
        Case("DELETE", "/api/v1/api-keys/%00", 422, "must not contain NUL"),
    ],
    "huge-and-junk-numbers": [
        Case("POST", "/api/v1/api-keys", 400, "expires_days", {"name": "k", "scopes": ["plan:read"],
                                                               "expires_days": 10**30}),
        Case("POST", "/api/v1/api-keys", 400, "expires_days", {"name": "k", "scopes": ["plan:read"],
                                                               "expires_days": 0}),
        Case("POST", "/api/v1/api-keys", 400, "expires_days", {"name": "k", "scopes": ["plan:read"],
                                                               "expires_days": 1e308}),
        Case("PUT", f"{MS}/criteria/c1", 400, "met", {"met": 10**30}),
        Case("GET", f"{WEB}/microsteps?limit=99999999999999999999999", 400, "limit"),
        Case("GET", f"{WEB}/microsteps?limit=0", 400, "limit"),
        Case("GET", f"{WEB}/microsteps?offset=-1", 400, "offset"),
        Case("GET", f"{WEB}/microsteps?offset=1.5", 400, "offset"),
        Case("GET", f"{WEB}/microsteps?limit=ten", 400, "limit"),
        *[Case("GET", f"{WEB}/revisions/{n}", 400, "number: use a whole number")
          for n in ("99999999999999999999", "0", "-1", "abc", "1.5", "%20", "1e3")],
        Case("GET", f"{WEB}/revisions/999999999", 404, "no revision"),
        Case("DELETE", "/api/v1/api-keys/12345", 404, "no API key"),
        Case("PUT", f"{MS}/status", 428, "If-Match", {"status": "todo"}, {**JSON, "If-Match": "9" * 40}),
        Case("PUT", f"{MS}/status", 412, "current one is 1", {"status": "todo"}, {**JSON, "If-Match": '"7"'}),
    ],
}


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_bad_input_is_a_clear_4xx_that_changes_nothing(
    kind: str, client: Client, db: AsyncSession, team: Team,
) -> None:
    admin = await key_caller(db, "admin", team.world.alice, "admin")
    revisions, before = await revision_count(db), await fingerprint(db)
    problems: list[str] = []
    for case in CASES[kind]:
        response = await client.request(case.method, case.path, content=case.content(),
                                        headers={**admin.headers, **case.headers})
        label = f"{case.method} {case.path} {case.content()!r:.60}"
        if response.status_code != case.status:
            problems.append(f"{label}: expected {case.status}, got {response.status_code}: {response.text[:300]}")
            continue
        assert response.headers["content-type"].startswith("application/problem+json"), label
        if case.says not in response.json()["detail"]:
            problems.append(f"{label}: detail {response.json()['detail']!r} does not say {case.says!r}")
        if case.method != "GET" and (await revision_count(db) != revisions or await fingerprint(db) != before):
            problems.append(f"{label}: the database changed")
    assert not problems, "\n".join(problems)


async def test_unknown_query_parameters_are_ignored(client: Client, db: AsyncSession, team: Team) -> None:
    reader = await key_caller(db, "reader", team.world.alice, "plan:read")
    response = await client.get(f"{WEB}/microsteps?colour=red&limit=2", headers=reader.headers)
    assert response.status_code == 200 and len(response.json()["items"]) == 2
