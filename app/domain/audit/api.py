"""JSON API of the audit ledger (``admin`` scope; GlobalAdmin, or TenantAdmin for its organizations' entries)."""

from __future__ import annotations

from typing import Annotated

from litestar import Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.domain.accounts.schemas import Principal
from app.domain.audit.schemas import AuditPage, ConsistencyProof, InclusionProof, VerifyReport
from app.domain.audit.services import MAX_PAGE, AuditService
from app.server.problems import problem_responses

__all__ = ["router"]

Caller = NamedDependency[Principal]
Audit = NamedDependency[AuditService]
ActionQuery = Annotated[str | None, QueryParameter(
    description="Only this action (`auth.login`), or every action under a prefix (`auth.*`).", max_length=70)]
ActorQuery = Annotated[str | None, QueryParameter(description="Only entries whose actor contains this text.",
                                                  max_length=400)]
BeforeQuery = Annotated[int | None, QueryParameter(ge=1, description="Only entries older than this `seq` "
                                                                   "(the previous page's `next_before`).")]
LimitQuery = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE, description="Page size.")]
TreeSizeQuery = Annotated[int | None, QueryParameter(ge=1, description="The checkpoint to prove against, by its "
                                                                     "tree size (default: the latest).")]
SizeQuery = Annotated[int, QueryParameter(ge=1, description="The older checkpoint's tree size.")]
NewSizeQuery = Annotated[int | None, QueryParameter(ge=1, description="The newer checkpoint's tree size "
                                                                    "(default: the latest).")]


def provide_audit_service(db_session: NamedDependency[AsyncSession]) -> AuditService:
    """The ledger, on the request's session, signed with the configured key."""
    return AuditService(db_session)


@get("/audit/entries", operation_id="audit.entries", name="audit.entries", summary="List audit ledger entries",
     opt={"key_scope": "admin"}, responses=problem_responses())
async def list_entries(principal: Caller, audit: Audit, *, action: ActionQuery = None, actor: ActorQuery = None,
                       before: BeforeQuery = None, limit: LimitQuery = 50) -> AuditPage:
    """Entries the caller may see, newest first; page with `before`."""
    return await audit.entries(principal, action=action, actor=actor, before=before, limit=limit)


@get("/audit/verify", operation_id="audit.verify", name="audit.verify",
     summary="Verify the audit ledger's hash chain and signed checkpoints", opt={"key_scope": "admin"},
     responses=problem_responses())
async def verify(principal: Caller, audit: Audit) -> VerifyReport:
    """Recompute every entry hash, link, checkpoint root and signature; `problem` names the first bad entry."""
    return await audit.verify(principal)


@get("/audit/entries/{seq:int}/proof", operation_id="audit.proof", name="audit.proof",
     summary="Get an entry's Merkle inclusion proof", opt={"key_scope": "admin"}, responses=problem_responses(404))
async def proof(principal: Caller, audit: Audit, seq: FromPath[int], tree_size: TreeSizeQuery = None) -> InclusionProof:
    """RFC 9162 inclusion proof of entry `seq` against a signed checkpoint."""
    return await audit.proof(principal, seq, tree_size)


@get("/audit/consistency", operation_id="audit.consistency", name="audit.consistency",
     summary="Get a Merkle consistency proof between two checkpoints", opt={"key_scope": "admin"},
     responses=problem_responses(404))
async def consistency(principal: Caller, audit: Audit, old: SizeQuery, new: NewSizeQuery = None) -> ConsistencyProof:
    """RFC 9162 consistency proof that the checkpoint of `new` entries extends the one of `old` entries."""
    return await audit.consistency(principal, old, new)


router = Router(
    path="/", route_handlers=[list_entries, verify, proof, consistency], tags=["audit"],
    dependencies={"audit": Provide(provide_audit_service, sync_to_thread=False)},
)
