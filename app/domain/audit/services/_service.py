"""``AuditService``: the ledger as admins read it (pages, API, command line), every call scoped to the caller."""

from __future__ import annotations

import re
from typing import Final

import msgspec
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import AuditCheckpoint, AuditEntry, Organization
from app.domain.accounts.schemas import Principal
from app.domain.audit.schemas import AuditEntryInfo, AuditPage, ConsistencyProof, InclusionProof, VerifyReport
from app.domain.audit.services._access import AuditScope, audit_scope
from app.domain.audit.services._checkpoints import create_checkpoint
from app.domain.audit.services._config import ledger_config
from app.domain.audit.services._proofs import consistency_proof, inclusion_proof
from app.domain.audit.services._sql import lock_ledger
from app.domain.audit.services._verify import verify_ledger
from app.domain.audit.signing import LedgerSigner
from app.lib.errors import NotFound, ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

__all__ = ["MAX_PAGE", "AuditService"]

MAX_PAGE: Final = 200
_ACTION_FILTER: Final = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*(\.\*)?$")
_decode = msgspec.json.Decoder(dict).decode


def _entry(row: AuditEntry, slug: str | None) -> AuditEntryInfo:
    try:
        payload = _decode(row.payload)
    except msgspec.DecodeError:
        payload = {"unreadable": row.payload}  # an altered payload; verification names it
    return AuditEntryInfo(
        seq=row.seq, created_at=row.created_at, organization_id=row.organization_id, organization=slug,
        actor=row.actor, action=row.action, target=row.target, payload=payload, prev_hash=bytes(row.prev_hash).hex(),
        hash=bytes(row.hash).hex(),
    )


def _filtered(query: Select[AuditEntry, str], scope: AuditScope, action: str | None,
              actor: str | None) -> Select[AuditEntry, str]:
    if scope.orgs is not None:
        query = query.where(AuditEntry.organization_id.in_(scope.orgs))
    if action:
        reject_nul("action", action)
        if not _ACTION_FILTER.match(action):
            raise ValidationFailed("action", _("give an action such as auth.login, or a prefix such as auth.*"))
        query = (query.where(AuditEntry.action.startswith(action[:-1], autoescape=True)) if action.endswith("*")
                 else query.where(AuditEntry.action == action))
    if actor:
        reject_nul("actor", actor)
        query = query.where(AuditEntry.actor.icontains(actor.strip()[:400], autoescape=True))
    return query


class AuditService:
    """Reading, verifying and proving the ledger."""

    def __init__(self, db: AsyncSession, signer: LedgerSigner | None = None) -> None:
        """Bind to a session; ``signer`` defaults to the configured key (see ``configure``)."""
        self.db = db
        self._signer = signer

    @property
    def signer(self) -> LedgerSigner:
        """The checkpoint key.

        Raises:
            RuntimeError: when none is configured (the app and the command line always configure one).
        """
        signer = self._signer or ledger_config().signer
        if signer is None:
            raise RuntimeError("the audit ledger has no signing key: call app.domain.audit.services.configure()")
        return signer

    async def entries(self, principal: Principal, *, action: str | None = None, actor: str | None = None,
                      before: int | None = None, limit: int = 50) -> AuditPage:
        """Entries the caller may see, newest first, ``limit`` per page, older than ``before`` when given.

        Raises:
            PermissionDenied: not an admin. ValidationFailed: a malformed filter or limit.
        """
        scope = await audit_scope(self.db, principal)
        if not 1 <= limit <= MAX_PAGE:
            raise ValidationFailed("limit", _("ask for 1 to %(max)s entries") % {"max": MAX_PAGE})
        query = (select(AuditEntry, Organization.slug)
                 .join(Organization, Organization.id == AuditEntry.organization_id, isouter=True))
        query = _filtered(query, scope, action, actor)
        if before is not None:
            query = query.where(AuditEntry.seq < before)
        rows = (await self.db.execute(query.order_by(AuditEntry.seq.desc()).limit(limit + 1))).all()
        entries = [_entry(row, slug) for row, slug in rows[:limit]]
        return AuditPage(entries=entries, next_before=entries[-1].seq if len(rows) > limit else None)

    async def verify(self, principal: Principal, *, full: bool = False) -> VerifyReport:
        """Verify the whole chain and every checkpoint (open to both admin roles: it reveals no entry's content);
        ``full`` walks every entry even when the quick check passes (see ``verify_ledger``).

        Raises:
            PermissionDenied: not an admin.
        """
        await audit_scope(self.db, principal)
        return await verify_ledger(self.db, self.signer, full=full)

    async def proof(self, principal: Principal, seq: int, tree_size: int | None = None) -> InclusionProof:
        """The inclusion proof of an entry the caller may see.

        Raises:
            PermissionDenied: not an admin. NotFound: no such entry for the caller, or no checkpoint.
            ValidationFailed: the entry is newer than the checkpoint.
        """
        scope = await audit_scope(self.db, principal)
        org = await self.db.execute(select(AuditEntry.organization_id).where(AuditEntry.seq == seq))
        found = org.first()
        if found is None or not scope.allows(found[0]):
            raise NotFound(_("no audit entry %(seq)s (never written, pruned, or not yours to see)") % {"seq": seq})
        return await inclusion_proof(self.db, seq, tree_size)

    async def consistency(self, principal: Principal, old_size: int, new_size: int | None = None) -> ConsistencyProof:
        """The consistency proof between two checkpoints.

        Raises:
            PermissionDenied: not an admin. NotFound: no such checkpoint. ValidationFailed: old after new.
        """
        await audit_scope(self.db, principal)
        return await consistency_proof(self.db, old_size, new_size)

    async def checkpoint(self, principal: Principal) -> AuditCheckpoint | None:
        """Sign the ledger as it is now (committed); ``None`` for an empty ledger.

        Raises:
            PermissionDenied: not an admin.
        """
        await audit_scope(self.db, principal)
        await lock_ledger(self.db)
        made = await create_checkpoint(self.db, self.signer)
        await self.db.commit()
        return made
