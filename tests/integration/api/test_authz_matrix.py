"""The authorization matrix: every ``/api/v1`` route against anonymous, another organization, each project role
and API keys with too little and just enough scope.

The expected status comes from ``app.domain.projects.permissions`` (the matrix and the scope of each action), never
from a copy: 401 anonymous, 403 missing scope, 404 another organization, 403 a role without the action, else the
route's success status. A refused write must leave every table as it was.
"""

from __future__ import annotations

from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import SCOPES, Principal, Scope
from app.domain.projects.permissions import ACTION_SCOPE, Action, allowed
from app.server.api import required_scope
from tests.integration.api.catalog import ENDPOINTS, Endpoint, route_key
from tests.integration.api.conftest import JSON, Caller, Client, Team, fingerprint, key_caller

_AUTOMATIC = frozenset({"OPTIONS", "HEAD"})  # answered by Litestar itself


def needed_scope(endpoint: Endpoint) -> Scope:
    """The API-key scope the matrix asks of the route."""
    return ACTION_SCOPE[endpoint.rule] if isinstance(endpoint.rule, Action) else endpoint.rule


def expected_status(endpoint: Endpoint, caller: Caller) -> int:
    """What the matrix says this caller gets from this route."""
    if caller.principal is None:
        return 401
    if not caller.principal.has_scope(needed_scope(endpoint)):
        return 403
    if endpoint.tenant != "user" and not caller.in_acme:
        return 404
    if isinstance(endpoint.rule, Action) and not allowed(caller.principal, caller.role, endpoint.rule):
        return 403
    return endpoint.success


def wrong_scopes(endpoint: Endpoint) -> list[Scope]:
    """Every single scope that does not cover the route."""
    def key(scope: Scope) -> Principal:
        return Principal(user_id=UUID(int=1), email="key@example.com", via="api_key", scopes=frozenset({scope}))

    return [scope for scope in SCOPES if not key(scope).has_scope(needed_scope(endpoint))]


async def test_every_api_route_has_a_matrix_entry(client: Client) -> None:
    served = {}
    for route in client.app.routes:
        if not route.path.startswith("/api/v1"):
            continue
        for method, (handler, _) in getattr(route, "route_handler_map", {}).items():
            if method not in _AUTOMATIC:
                served[route_key(method, route.path)] = handler
    catalogue = {route_key(e.method, "/api/v1" + e.path): e for e in ENDPOINTS.values()}
    assert sorted(served) == sorted(catalogue), "enter every /api/v1 route in tests/integration/api/catalog.py"
    for key, handler in served.items():
        endpoint = catalogue[key]
        assert handler.operation_id == endpoint.operation, key
        assert required_scope(handler.opt) == needed_scope(endpoint), key
        assert handler.opt.get("action") == (endpoint.rule if isinstance(endpoint.rule, Action) else None), key


async def _call(client: Client, endpoint: Endpoint, caller: Caller, unique: str, key_id: str) -> int:
    # The route's own headers last: a route that reads another media type (the policy's YAML) names it there.
    headers = {**caller.headers, **(JSON if endpoint.body else {}), **endpoint.headers}
    response = await client.request(endpoint.method, endpoint.url(key_id), content=endpoint.content(unique),
                                    headers=headers)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json"), response.text
    return response.status_code


class Ledger:
    """The database's fingerprint, taken again only after a request that may have changed it."""

    def __init__(self, db: AsyncSession) -> None:
        self.db = db
        self.known: object = None

    async def current(self) -> object:
        if self.known is None:
            self.known = await fingerprint(self.db)
        return self.known

    def forget(self) -> None:
        self.known = None


async def _mismatches(client: Client, ledger: Ledger, team: Team, endpoint: Endpoint) -> list[str]:
    alice = team.world.alice
    callers = [
        *team.callers.values(),
        *[await key_caller(ledger.db, f"wrong-scope {scope}", alice, scope) for scope in wrong_scopes(endpoint)],
        await key_caller(ledger.db, f"right-scope {needed_scope(endpoint)}", alice, needed_scope(endpoint)),
    ]
    ledger.forget()
    found: list[str] = []
    for index, caller in enumerate(callers):
        want = expected_status(endpoint, caller)
        email = caller.principal.email if caller.principal else alice.email
        refused_write = endpoint.writes and want >= 400
        before = await ledger.current() if refused_write else None
        got = await _call(client, endpoint, caller, str(index), team.spare_keys[email])
        if endpoint.writes:
            ledger.forget()
        if got != want:
            found.append(f"{endpoint.operation} as {caller.name}: expected {want}, got {got}")
        elif refused_write and await ledger.current() != before:
            found.append(f"{endpoint.operation} as {caller.name}: refused with {got} but the database changed")
    return found


async def test_every_route_obeys_the_matrix(client: Client, db: AsyncSession, everyone: Team) -> None:
    # One world for all routes keeps the suite fast; each route's writes leave the others' requests valid.
    ledger = Ledger(db)
    mismatches = [line for endpoint in ENDPOINTS.values() for line in await _mismatches(client, ledger, everyone,
                                                                                         endpoint)]
    assert not mismatches, "\n".join(mismatches)
