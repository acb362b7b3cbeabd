"""Checks on user-supplied text shared by the services and the API boundary.

PostgreSQL cannot store NUL (U+0000) in text columns and SQLite truncates at it in places, so NUL is refused
everywhere with one message, before it can reach a query. Other unicode is welcome.
"""

from __future__ import annotations

from typing import Final

from app.lib.errors import ValidationFailed
from app.lib.i18n import N_
from app.lib.i18n import gettext as _

__all__ = ["NUL_MESSAGE", "find_nul", "reject_nul"]

# English, marked for extraction; pass it through ``gettext`` where it is raised.
NUL_MESSAGE: Final = N_("must not contain NUL characters (\\u0000); remove them and try again")


def reject_nul(field: str, *values: str | None) -> None:
    """Refuse ``values`` when any of them contains a NUL character.

    Raises:
        ValidationFailed: naming ``field``.
    """
    for value in values:
        if value is not None and "\x00" in value:
            raise ValidationFailed(field, _(NUL_MESSAGE))


def find_nul(value: object, path: str = "") -> str | None:
    """The path (``milestones[0].title``) of the first string holding NUL in decoded JSON, or ``None``.

    Object keys are checked too; the path then names the key itself.
    """
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return child
            if (found := find_nul(item, child)) is not None:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if (found := find_nul(item, f"{path}[{index}]")) is not None:
                return found
    return None
