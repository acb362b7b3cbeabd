"""Where a project's policy lives: read it (the default when none was uploaded), check uploads, and store one."""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Final
from uuid import UUID

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db.models import ProjectPolicy, User
from app.domain.accounts.schemas import Principal
from app.domain.audit.services import record
from app.domain.governance.schemas import PolicyInfo
from app.domain.projects.schemas import ProjectAccess
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.i18n import ngettext
from app.lib.text import NUL_MESSAGE
from buildrunner.governance import Policy, decode_policy
from buildrunner.workspace.workspace import DEFAULT_POLICY

__all__ = [
    "DEFAULT_SOURCE",
    "apply_policy",
    "check_policy",
    "content_hash",
    "current_policy",
    "default_policy",
    "effective",
    "policy_info",
    "policy_row",
    "store_policy",
]

DEFAULT_SOURCE: Final = DEFAULT_POLICY


def content_hash(text: str) -> str:
    """The SHA-256 of a policy's text (UTF-8), in hex: what an approval of a proposed policy names."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@functools.cache
def default_policy() -> Policy:
    """The policy of a project that has none of its own: the one ``br init`` writes."""
    policy, findings = decode_policy(DEFAULT_SOURCE.encode())
    if policy is None:  # pragma: no cover - the shipped default is valid (a unit test of the core checks it)
        raise RuntimeError(f"the default policy is invalid: {findings}")
    return policy


def effective(value: Any) -> Any:
    """A policy (or part of it) as JSON with every default filled in (``to_builtins`` would leave defaults out)."""
    if isinstance(value, msgspec.Struct):
        return {field.encode_name: effective(getattr(value, field.name)) for field in msgspec.structs.fields(value)}
    if isinstance(value, dict):
        return {key: effective(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [effective(item) for item in value]
    return value


async def policy_row(db: AsyncSession, project_id: UUID) -> ProjectPolicy | None:
    """The project's uploaded policy, or None while it runs under the default."""
    row: ProjectPolicy | None = await db.scalar(select(ProjectPolicy).where(ProjectPolicy.project_id == project_id))
    return row


def _typed(row: ProjectPolicy) -> Policy:
    try:
        return msgspec.convert(row.document, Policy)
    except msgspec.ValidationError:
        # Stored by a version whose model differed: the YAML as uploaded is the source of truth.
        policy, _findings = decode_policy(row.source.encode("utf-8"))
        return policy if policy is not None else default_policy()


async def current_policy(db: AsyncSession, project_id: UUID) -> Policy:
    """The policy ``project_id`` runs under now: one query, no YAML parsing."""
    document = await db.scalar(select(ProjectPolicy.document).where(ProjectPolicy.project_id == project_id))
    if document is None:
        return default_policy()
    try:
        return msgspec.convert(document, Policy)
    except msgspec.ValidationError:
        row = await policy_row(db, project_id)
        return _typed(row) if row is not None else default_policy()


async def policy_info(db: AsyncSession, project_id: UUID) -> PolicyInfo:
    """The current policy with its text, hash and who set it when."""
    row = await policy_row(db, project_id)
    if row is None:
        return PolicyInfo(yaml=DEFAULT_SOURCE, policy=effective(default_policy()),
                          content_hash=content_hash(DEFAULT_SOURCE), is_default=True)
    author = await db.scalar(select(User.email).where(User.id == row.updated_by_id)) if row.updated_by_id else None
    return PolicyInfo(yaml=row.source, policy=effective(_typed(row)), content_hash=row.content_hash,
                      is_default=False, updated_by=author, updated_at=row.updated_at)


def check_policy(data: bytes) -> tuple[str, Policy]:
    """The text and the typed policy of uploaded bytes.

    Raises:
        ValidationFailed: on NUL bytes, or listing every finding of the validator in ``errors`` (code, path, line,
            column, message, hint), the way ``br governance validate`` reports them.
    """
    if b"\x00" in data:
        raise ValidationFailed("policy", _(NUL_MESSAGE))
    policy, findings = decode_policy(data)
    if policy is None:
        raise ValidationFailed(
            "policy", ngettext("the policy has %(num)d problem; fix it and upload again",
                               "the policy has %(num)d problems; fix them and upload again", len(findings))
            % {"num": len(findings)},
            errors=[msgspec.to_builtins(finding) for finding in findings],
        )
    return data.decode("utf-8-sig"), policy


async def store_policy(db: AsyncSession, project_id: UUID, text: str, policy: Policy,
                       author_id: UUID | None) -> ProjectPolicy:
    """Make ``text`` the project's policy (in the caller's transaction)."""
    row = await policy_row(db, project_id)
    if row is None:
        row = ProjectPolicy(project_id=project_id, source=text, document={}, content_hash="")
        db.add(row)
    row.source = text
    row.document = effective(policy)
    row.content_hash = content_hash(text)
    row.updated_by_id = author_id
    await db.flush()
    return row


async def apply_policy(db: AsyncSession, actor: Principal, project: ProjectAccess, text: str, policy: Policy, *,
                       author_id: UUID | None, approval_id: UUID | None = None) -> ProjectPolicy:
    """Store the policy and record ``policy.change`` in the audit ledger (in the caller's transaction).

    ``author_id`` is who proposed it (kept as "updated by"); ``approval_id`` the request that approved it, if any.
    """
    row = await store_policy(db, project.id, text, policy, author_id)
    await record(db, actor, "policy.change", target=f"{project.organization_slug}/{project.key}/policy",
                 payload={"project": project.key, "hash": row.content_hash,
                          "approval": str(approval_id) if approval_id is not None else None},
                 org_id=project.organization_id)
    return row
