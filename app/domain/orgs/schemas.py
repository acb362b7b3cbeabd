"""Organization values encoded by the JSON API."""

from __future__ import annotations

import msgspec

__all__ = ["OrgCreate", "OrgInfo", "OrgMember"]


class OrgInfo(msgspec.Struct, frozen=True, kw_only=True):
    """An organization of the caller, with the caller's role in it (``owner``, ``admin`` or ``member``)."""

    slug: str
    name: str
    role: str


class OrgCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new organization: ``slug`` is 1 to 63 lowercase letters, digits and dashes."""

    slug: str
    name: str


class OrgMember(msgspec.Struct, frozen=True, kw_only=True):
    """A member of an organization, with their organization role."""

    email: str
    name: str
    role: str
