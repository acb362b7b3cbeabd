"""Account services (framework-free): sign-up and verification, login sessions, impersonation, password reset,
API keys."""

from __future__ import annotations

from app.domain.accounts.services._accounts import AccountService
from app.domain.accounts.services._api_keys import ApiKeyService
from app.domain.accounts.services._impersonation import MAX_MINUTES, ImpersonationInfo, ImpersonationService
from app.domain.accounts.services._sessions import LOGIN_LIMIT, LOGIN_WINDOW, SESSION_LIFETIME, SessionService
from app.domain.accounts.services._validation import normalize_email, principal_for
from app.domain.accounts.services._web_support import (
    MAX_PASSWORD,
    MIN_PASSWORD,
    RESEND_INTERVAL,
    EmailNotVerified,
    VerificationService,
    VerifiedSessionService,
)

__all__ = [
    "LOGIN_LIMIT",
    "LOGIN_WINDOW",
    "MAX_MINUTES",
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "RESEND_INTERVAL",
    "SESSION_LIFETIME",
    "AccountService",
    "ApiKeyService",
    "EmailNotVerified",
    "ImpersonationInfo",
    "ImpersonationService",
    "SessionService",
    "VerificationService",
    "VerifiedSessionService",
    "normalize_email",
    "principal_for",
]
