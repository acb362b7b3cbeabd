"""Audit ledger services (framework-free): append (:func:`record`), checkpoints, proofs, verification, retention."""

from __future__ import annotations

from app.domain.audit.services._access import AUDIT_ROLES, AuditScope, audit_scope
from app.domain.audit.services._append import ACTIONS, AuditEvent, AuditRecord, actor_label, record, record_many
from app.domain.audit.services._checkpoints import TILE, TILE_LEVEL, chain_head, create_checkpoint, latest_checkpoint
from app.domain.audit.services._config import (
    DEFAULT_CHECKPOINT_EVERY,
    LedgerConfig,
    LedgerSettings,
    configure,
    ledger_config,
    signer_for,
)
from app.domain.audit.services._proofs import checkpoint_info, consistency_proof, inclusion_proof
from app.domain.audit.services._retention import PruneResult, export_ledger, prune_ledger, retention_cutoff
from app.domain.audit.services._service import MAX_PAGE, AuditService
from app.domain.audit.services._sql import lock_ledger
from app.domain.audit.services._verify import verify_ledger

__all__ = [
    "ACTIONS",
    "AUDIT_ROLES",
    "DEFAULT_CHECKPOINT_EVERY",
    "MAX_PAGE",
    "TILE",
    "TILE_LEVEL",
    "AuditEvent",
    "AuditRecord",
    "AuditScope",
    "AuditService",
    "LedgerConfig",
    "LedgerSettings",
    "PruneResult",
    "actor_label",
    "audit_scope",
    "chain_head",
    "checkpoint_info",
    "configure",
    "consistency_proof",
    "create_checkpoint",
    "export_ledger",
    "inclusion_proof",
    "latest_checkpoint",
    "ledger_config",
    "lock_ledger",
    "prune_ledger",
    "record",
    "record_many",
    "retention_cutoff",
    "signer_for",
    "verify_ledger",
]
