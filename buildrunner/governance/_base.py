"""Building blocks of the policy model: the section base class, roles and constrained number types."""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

# The project roles. The server names the same five in app/domain/projects/permissions.py (PROJECT_ROLES);
# a unit test keeps the two lists equal, since the core may not import the server.
Role = Literal["PM", "TechLead", "QA", "Contributor", "Viewer"]
ROLES: Final[tuple[Role, ...]] = ("PM", "TechLead", "QA", "Contributor", "Viewer")
READ_ONLY_ROLES: Final = frozenset({"Viewer"})

IntegrationName = Literal[
    "jira", "linear", "github", "asana", "vercel", "render", "netlify", "slack", "discord", "figma",
]
PreviewProvider = Literal["vercel", "render", "netlify"]

NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
NonNegativeFloat = Annotated[float, msgspec.Meta(ge=0)]
Percent = Annotated[float, msgspec.Meta(ge=0, le=100, description="a percentage, 0 to 100")]
Fraction = Annotated[float, msgspec.Meta(ge=0, le=1, description="a fraction, 0 to 1 (0.85 for 85%)")]
ContrastRatio = Annotated[float, msgspec.Meta(ge=1, le=21, description="a contrast ratio, 1 to 21")]
PhaseName = Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=r"^[A-Za-z][A-Za-z0-9 _-]*$")]
Locale = Annotated[str, msgspec.Meta(pattern=r"^[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")]
BranchPattern = Annotated[str, msgspec.Meta(min_length=1, max_length=255)]


class Section(msgspec.Struct, kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Base of every policy section: keyword-only, unknown keys refused, defaults left out when encoding."""
