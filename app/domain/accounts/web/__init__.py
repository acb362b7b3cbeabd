"""Account pages: sign in/out, sign-up and verification, password reset, API keys, impersonation.

``_login`` is the reference for how pages are written (see app/server/web.py).
"""

from __future__ import annotations

from litestar import Router

from app.domain.accounts.web import _api_keys, _impersonation, _login, _password, _signup
from app.domain.accounts.web._support import requires_session

__all__ = ["requires_session", "router"]

router = Router(path="/", include_in_schema=False, route_handlers=[
    _login.login_page, _login.login_submit, _login.logout,
    _signup.signup_page, _signup.signup_submit, _signup.check_mail, _signup.verify,
    _signup.resend_page, _signup.resend_submit,
    _password.forgot_page, _password.forgot_submit, _password.reset_page, _password.reset_submit,
    _api_keys.router, _impersonation.router,
])
