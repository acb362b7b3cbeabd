"""Accounts: sign-up, verification, login, sessions, password reset and API keys."""
