"""Team values encoded by the JSON API and passed to the pages."""

from __future__ import annotations

import msgspec

__all__ = ["TeamCreate", "TeamInfo", "TeamMemberAdd", "TeamMemberInfo"]


class TeamMemberInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A member of a team."""

    email: str
    name: str


class TeamInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A team of an organization with its members (by email); ``can_manage``: the caller may change it."""

    slug: str
    name: str
    members: list[TeamMemberInfo]
    can_manage: bool = False


class TeamCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """A new team: ``slug`` is 1 to 63 lowercase letters, digits and dashes, unique in the organization."""

    slug: str
    name: str


class TeamMemberAdd(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Someone to add to a team, by the email of their account (they must belong to the organization)."""

    email: str
