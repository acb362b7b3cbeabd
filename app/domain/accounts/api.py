"""JSON API for the caller's own API keys: list, create (the secret is shown once) and revoke.

Managing keys with a key needs the ``admin`` scope; a signed-in browser session may always manage its own.
"""

from __future__ import annotations

from uuid import UUID

from litestar import Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from app.domain.accounts.guards import not_while_impersonating
from app.domain.accounts.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyInfo, Principal
from app.domain.accounts.services import ApiKeyService
from app.lib.errors import NotFound
from app.lib.i18n import gettext as _
from app.server.deps import service
from app.server.problems import problem_responses

__all__ = ["router"]

Caller = NamedDependency[Principal]
Keys = NamedDependency[ApiKeyService]


def key_id_of(value: str) -> UUID:
    """The key id from the path.

    Raises:
        NotFound: when it is not a UUID (no key can have such an id).
    """
    try:
        return UUID(value)
    except ValueError:
        raise NotFound(_("no API key %(id)s among yours; ids look like the ones GET /api-keys lists")
                       % {"id": repr(value[:40])}) from None


@get("/api-keys", operation_id="api_keys.list", name="api_keys.list", summary="List your API keys",
     opt={"key_scope": "admin"}, responses=problem_responses())
async def list_api_keys(principal: Caller, api_keys: Keys) -> list[ApiKeyInfo]:
    """The caller's keys, newest first: prefix, name, scopes, times; never the secret."""
    return await api_keys.list_for_user(principal.user_id)


@post("/api-keys", operation_id="api_keys.create", name="api_keys.create", summary="Create an API key",
      opt={"key_scope": "admin"}, guards=[not_while_impersonating], responses=problem_responses(404, body=True))
async def create_api_key(principal: Caller, api_keys: Keys, data: JSONBody[ApiKeyCreate]) -> ApiKeyCreated:
    """Create a key; the response holds its ``secret``, shown this once and never again."""
    return await api_keys.issue(principal, data)


@delete("/api-keys/{key_id:str}", operation_id="api_keys.revoke", name="api_keys.revoke",
        summary="Revoke an API key", status_code=200, opt={"key_scope": "admin"}, responses=problem_responses(404))
async def revoke_api_key(principal: Caller, api_keys: Keys, key_id: FromPath[str]) -> ApiKeyInfo:
    """Revoke one of the caller's keys at once (revoking twice keeps the first time)."""
    return await api_keys.revoke(principal.user_id, key_id_of(key_id))


router = Router(
    path="/", route_handlers=[list_api_keys, create_api_key, revoke_api_key], tags=["api keys"],
    dependencies={"api_keys": service(ApiKeyService)},
)
