"""API keys: created with a secret shown once, verified from ``Authorization: Bearer``, revoked."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Final, cast
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ApiKey, Membership, Organization, User
from app.domain.accounts.schemas import SCOPES, ApiKeyCreate, ApiKeyCreated, ApiKeyInfo, Principal, Scope
from app.domain.accounts.services._key_cache import KEY_CACHE_TTL, VERIFIED_KEYS, VerifiedKey
from app.domain.accounts.services._validation import check_name, principal_for
from app.domain.audit.services import record
from app.lib import clock, crypto
from app.lib.errors import NotFound, Unauthorized, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["ApiKeyService"]

KEY_PREFIX: Final = "br_"
# Writing last_used_at on every request would turn reads into writes; a minute's precision is enough.
LAST_USED_PRECISION: Final = timedelta(minutes=1)


def _info(key: ApiKey) -> ApiKeyInfo:
    return ApiKeyInfo(
        id=key.id, name=key.name, prefix=key.prefix, scopes=list(key.scopes), created_at=key.created_at,
        expires_at=key.expires_at, last_used_at=key.last_used_at, revoked_at=key.revoked_at,
    )


def check_scopes(scopes: list[str]) -> list[Scope]:
    """Validate and de-duplicate scope names.

    Raises:
        ValidationFailed: when the list is empty or names an unknown scope.
    """
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown or not scopes:
        raise ValidationFailed("scopes", _("use one or more of %(choices)s (got %(got)s)")
                               % {"choices": ", ".join(SCOPES), "got": ", ".join(scopes) or "none"})
    return [cast(Scope, scope) for scope in dict.fromkeys(scopes)]


class ApiKeyService:
    """Manages a user's API keys and turns a presented key into a principal."""

    def __init__(self, db: AsyncSession) -> None:
        """Bind to a database session."""
        self.db = db

    async def create(
        self, user_id: UUID, *, name: str, scopes: list[str], expires_at: datetime | None = None,
        organization_id: UUID | None = None,
    ) -> ApiKeyCreated:
        """Create a key; the returned ``secret`` is the only time the full key is available.

        Raises:
            ValidationFailed: for unknown scopes, a long name or an expiry in the past.
        """
        checked = check_scopes(scopes)
        if expires_at is not None and expires_at <= clock.now():
            raise ValidationFailed("expires_at", _(
                "choose a time in the future, or none for a key that does not expire"))
        prefix = await self._free_prefix()
        secret = f"{prefix}_{crypto.new_token(32)}"
        key = ApiKey(
            user_id=user_id, organization_id=organization_id, name=check_name(name), prefix=prefix,
            key_hash=crypto.hash_token(secret), scopes=list(checked), expires_at=expires_at,
        )
        self.db.add(key)
        await record(self.db, f"user {user_id}", "apikey.create", target=prefix, payload={"scopes": list(checked)},
                     org_id=organization_id)
        await self.db.commit()
        return ApiKeyCreated(info=_info(key), secret=secret)

    async def issue(self, actor: Principal, request: ApiKeyCreate) -> ApiKeyCreated:
        """Create a key for the actor, as asked by ``request``.

        A key made with an organization-bound key stays bound to that organization, so a key can never mint a
        wider one.

        Raises:
            NotFound: ``org`` is not one of the actor's organizations. ValidationFailed: bad name or scopes.
        """
        organization_id = actor.organization_id
        if request.org is not None:
            organization_id = await self._organization_of(actor, request.org)
        expires_at = None if request.expires_days is None else clock.now() + timedelta(days=request.expires_days)
        return await self.create(actor.user_id, name=request.name, scopes=list(request.scopes),
                                 expires_at=expires_at, organization_id=organization_id)

    async def _organization_of(self, actor: Principal, slug: str) -> UUID:
        reject_nul("org", slug)
        query = (
            select(Organization.id).join(Membership, Membership.organization_id == Organization.id)
            .where(Organization.slug == slug.strip().lower(), Membership.user_id == actor.user_id)
        )
        if actor.organization_id is not None:
            query = query.where(Organization.id == actor.organization_id)
        found = await self.db.scalar(query)
        if found is None:
            raise NotFound(_("no organization %(slug)s among yours") % {"slug": repr(slug)})
        return found

    async def _free_prefix(self) -> str:
        while True:
            prefix = f"{KEY_PREFIX}{secrets.token_hex(4)}"
            if await self.db.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)) is None:
                return prefix

    @staticmethod
    def cached(secret: str) -> Principal | None:
        """The principal of a key verified moments ago, when nothing needs the database (else ``None``).

        Lets a caller skip opening a session; ``None`` means: call :meth:`authenticate`.
        """
        now = clock.now()
        verified = VERIFIED_KEYS.get(crypto.hash_token(secret), now)
        if verified is None or verified.last_used_at is None or now - verified.last_used_at >= LAST_USED_PRECISION:
            return None
        return verified.principal

    async def authenticate(self, secret: str) -> Principal:
        """The principal of a presented key, updating its last-used time (at most once per minute per key).

        A verified key is kept in a per-process cache for up to ``KEY_CACHE_TTL`` (see ``_key_cache``), so most
        requests authenticate without reading the database.

        Raises:
            Unauthorized: when the key is unknown, revoked or expired.
        """
        key_hash = crypto.hash_token(secret)
        now = clock.now()
        verified = VERIFIED_KEYS.get(key_hash, now)
        if verified is None:
            verified = await self._verify(key_hash, now)
            VERIFIED_KEYS.put(key_hash, verified)
        if verified.last_used_at is None or now - verified.last_used_at >= LAST_USED_PRECISION:
            verified.last_used_at = now
            await self.db.execute(update(ApiKey).where(ApiKey.id == verified.key_id).values(last_used_at=now))
            await self.db.commit()
        return verified.principal

    async def _verify(self, key_hash: str, now: datetime) -> VerifiedKey:
        found = (
            await self.db.execute(select(ApiKey, User).join(User, User.id == ApiKey.user_id)
                                  .where(ApiKey.key_hash == key_hash))
        ).first()
        if found is None:
            raise Unauthorized(_("the API key is not valid; create one under Settings → API keys"))
        key, user = found
        if key.revoked_at is not None:
            raise Unauthorized(_("the API key %(prefix)s was revoked; create a new one") % {"prefix": key.prefix})
        if key.expires_at is not None and key.expires_at <= now:
            raise Unauthorized(_("the API key %(prefix)s expired; create a new one") % {"prefix": key.prefix})
        principal = principal_for(
            user, via="api_key", credential_id=key.id, scopes=frozenset(cast(list[Scope], key.scopes)),
            organization_id=key.organization_id,
        )
        valid_until = now + KEY_CACHE_TTL
        if key.expires_at is not None:
            valid_until = min(valid_until, key.expires_at)
        return VerifiedKey(key_id=key.id, principal=principal, valid_until=valid_until, last_used_at=key.last_used_at)

    async def list_for_user(self, user_id: UUID) -> list[ApiKeyInfo]:
        """The user's keys, newest first, without secrets."""
        keys = await self.db.scalars(
            select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())
        )
        return [_info(key) for key in keys]

    async def revoke(self, user_id: UUID, key_id: UUID) -> ApiKeyInfo:
        """Revoke one of the user's keys (revoking twice keeps the first time).

        Raises:
            NotFound: when the user has no such key.
        """
        key = await self.db.scalar(select(ApiKey).where(ApiKey.id == key_id, ApiKey.user_id == user_id))
        if key is None:
            raise NotFound(_("no such API key"))
        if key.revoked_at is None:
            key.revoked_at = clock.now()
            await record(self.db, f"user {user_id}", "apikey.revoke", target=key.prefix, org_id=key.organization_id)
            await self.db.commit()
        VERIFIED_KEYS.invalidate(key.key_hash)  # refused at once here; other instances within KEY_CACHE_TTL
        return _info(key)
