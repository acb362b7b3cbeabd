"""API key pages: list and create your keys (the secret is shown once, on the answer to the create form), revoke."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Final
from uuid import UUID

import msgspec
from litestar import Request, Response, Router, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.guards import not_while_impersonating
from app.domain.accounts.schemas import SCOPES, ApiKeyCreated, ApiKeyInfo, Principal
from app.domain.accounts.services import ApiKeyService
from app.domain.accounts.web._support import FieldErrors, check_plain_text, field_errors, keep, requires_session
from app.domain.orgs.services import OrgService
from app.lib import clock
from app.lib.errors import NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.server.web import page, redirect

__all__ = ["router"]

MAX_DAYS: Final = 3650
LIST = "/settings/api-keys"


class ApiKeyForm(msgspec.Struct):
    """The create form: one checkbox arrives as a string, several as a list."""

    name: str = ""
    scopes: list[str] | str = msgspec.field(default_factory=list)
    expires_in_days: str = ""
    org: str = ""

    @property
    def scope_list(self) -> list[str]:
        """The ticked scopes as a list."""
        return [self.scopes] if isinstance(self.scopes, str) else self.scopes


ApiKeyBody = Annotated[ApiKeyForm, Body(media_type=RequestEncodingType.URL_ENCODED)]


async def _keys_page(request: Request[Any, Any, Any], db: AsyncSession, principal: Principal, *,
                     form: ApiKeyForm, errors: FieldErrors, status: int = 200) -> Response[Any]:
    keys = await ApiKeyService(db).list_for_user(principal.user_id)
    orgs = [(org.slug, org.name) for org, _role in await OrgService(db).list_for(principal)]
    context = {"keys": keys, "orgs": orgs, "all_scopes": SCOPES, "form": form, "errors": errors, "now": clock.now(),
               "max_days": MAX_DAYS}
    return page(request, "accounts/api_keys.html.j2", context, block="key_list", status_code=status)


async def _create(db: AsyncSession, principal: Principal, form: ApiKeyForm) -> ApiKeyCreated:
    check_plain_text(form, "name", "expires_in_days", "org")
    if not form.name.strip():
        raise ValidationFailed("name", _("give the key a name that says where it is used, such as “CI”"))
    days = form.expires_in_days.strip()
    if days and not (days.isascii() and days.isdigit() and 1 <= int(days) <= MAX_DAYS):
        raise ValidationFailed("expires_in_days", _("enter a whole number of days from 1 to %(max)d, or leave it "
                                                    "empty for a key that does not expire") % {"max": MAX_DAYS})
    org_id = (await OrgService(db).get(principal, form.org)).id if form.org else None
    return await ApiKeyService(db).create(
        principal.user_id, name=form.name, scopes=form.scope_list, organization_id=org_id,
        expires_at=clock.now() + timedelta(days=int(days)) if days else None)


@get(LIST, name="accounts.api_keys")
async def api_keys_page(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                        principal: NamedDependency[Principal]) -> Response[Any]:
    """Your API keys and the form to create one."""
    return await _keys_page(request, db_session, principal, form=ApiKeyForm(scopes=["plan:read"]), errors={})


@post(LIST, name="accounts.api_keys_create", status_code=201, guards=[not_while_impersonating])
async def api_key_create(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                         principal: NamedDependency[Principal], data: ApiKeyBody) -> Response[Any]:
    """Create a key and show its secret this once (never in a redirect, a cookie or a cache)."""
    try:
        created = await _create(db_session, principal, data)
    except (ValidationFailed, NotFound) as exc:
        kept = ApiKeyForm(name=keep(data.name, 200), scopes=data.scope_list,
                          expires_in_days=keep(data.expires_in_days, 10))
        return await _keys_page(request, db_session, principal, form=kept, errors=field_errors(exc, "org"),
                                status=422)
    response = page(request, "accounts/api_key_created.html.j2", {"created": created}, block="secret",
                    status_code=201)
    response.headers["Cache-Control"] = "no-store"
    return response


async def _own_key(db: AsyncSession, principal: Principal, key_id: UUID) -> ApiKeyInfo:
    for key in await ApiKeyService(db).list_for_user(principal.user_id):
        if key.id == key_id:
            return key
    raise NotFound(_("you have no such API key"))


@get(f"{LIST}/{{key_id:uuid}}/revoke", name="accounts.api_key_revoke_confirm")
async def revoke_confirm(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                         principal: NamedDependency[Principal], key_id: FromPath[UUID]) -> Response[Any]:
    """Ask, in words, whether to revoke the key."""
    key = await _own_key(db_session, principal, key_id)
    return page(request, "accounts/api_key_revoke.html.j2", {"key": key}, block="confirm")


@post(f"{LIST}/{{key_id:uuid}}/revoke", name="accounts.api_key_revoke")
async def revoke(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession],
                 principal: NamedDependency[Principal], key_id: FromPath[UUID]) -> Response[Any]:
    """Revoke the key: programs using it get 401 from now on."""
    key = await ApiKeyService(db_session).revoke(principal.user_id, key_id)
    message = _("The key %(name)s (%(prefix)s) is revoked.") % {"name": key.name, "prefix": key.prefix}
    return redirect(request, LIST, ("success", message))


router = Router(path="/", route_handlers=[api_keys_page, api_key_create, revoke_confirm, revoke],
                guards=[requires_session], include_in_schema=False)
