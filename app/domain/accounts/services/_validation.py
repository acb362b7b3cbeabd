"""Input checks shared by the account services."""

from __future__ import annotations

import re
from typing import Final

from app.db.models import User
from app.domain.accounts.schemas import GLOBAL_ROLES, GlobalRole, Principal
from app.lib.errors import ValidationFailed
from app.lib.i18n import gettext as _
from app.lib.text import reject_nul

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD: Final = 10
MAX_PASSWORD: Final = 1024


def normalize_email(email: str) -> str:
    """Lowercase and trim an email address.

    Raises:
        ValidationFailed: when it does not look like ``name@example.com``.
    """
    reject_nul("email", email)
    cleaned = email.strip().lower()
    if len(cleaned) > 320 or not _EMAIL.match(cleaned) or "\x00" in cleaned:
        raise ValidationFailed("email", _("enter an email address like name@example.com"))
    return cleaned


def check_password(password: str) -> str:
    """Return the password if it is long enough.

    Raises:
        ValidationFailed: when it is shorter than 10 or longer than 1024 characters.
    """
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed("password", _("use at least %(min)d characters") % {"min": MIN_PASSWORD})
    if len(password) > MAX_PASSWORD or "\x00" in password:
        raise ValidationFailed("password",
                               _("use at most %(max)d characters, without NUL bytes") % {"max": MAX_PASSWORD})
    return password


def check_name(name: str) -> str:
    """Trim a display name.

    Raises:
        ValidationFailed: when it is longer than 200 characters or holds control characters.
    """
    reject_nul("name", name)
    cleaned = name.strip()
    if len(cleaned) > 200 or any(ord(char) < 32 for char in cleaned):
        raise ValidationFailed("name", _("use at most 200 characters, without control characters"))
    return cleaned


def check_global_role(role: str | None) -> GlobalRole | None:
    """Validate a global role name (or ``None``).

    Raises:
        ValidationFailed: when it is not GlobalAdmin, TenantAdmin or SupportAgent.
    """
    if role is None:
        return None
    if role not in GLOBAL_ROLES:
        raise ValidationFailed("global_role", _("use one of %(choices)s") % {"choices": ", ".join(GLOBAL_ROLES)})
    return role


def principal_for(user: User, **credential: object) -> Principal:
    """Build the principal of ``user``; ``credential`` adds ``via``, ``credential_id``, ``scopes``..."""
    return Principal(
        user_id=user.id, email=user.email, name=user.name,
        global_role=check_global_role(user.global_role), **credential,  # type: ignore[arg-type]
    )
