"""Settings from BR_* variables: defaults, the persisted embedded secret, clear errors naming the variable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from app.server.settings import Settings, SettingsError


def test_defaults_are_embedded_mode(tmp_path: Path) -> None:
    settings = Settings.from_env({"BR_DATA_DIR": str(tmp_path)})
    assert settings.database_url == f"sqlite+aiosqlite:///{tmp_path / 'buildrunner.db'}"
    assert (settings.host, settings.port, settings.debug, settings.is_sqlite) == ("127.0.0.1", 8000, False, True)
    assert settings.base_url == "http://127.0.0.1:8000" and not settings.secure_cookies
    assert settings.smtp_url is None and settings.redis_url is None


def test_embedded_secret_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    first = Settings.from_env({"BR_DATA_DIR": str(tmp_path)}).secret_key
    second = Settings.from_env({"BR_DATA_DIR": str(tmp_path)}).secret_key
    assert first == second and len(first) >= 48
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert Settings.from_env({"BR_DATA_DIR": str(tmp_path), "BR_SECRET_KEY": "given"}).secret_key == "given"


def test_explicit_values(tmp_path: Path) -> None:
    settings = Settings.from_env({
        "BR_DATA_DIR": str(tmp_path), "BR_DATABASE_URL": "postgresql+asyncpg://u:p@db:5432/br", "BR_PORT": "9000",
        "BR_BASE_URL": "https://br.example.com/", "BR_DEBUG": "yes", "BR_SMTP_URL": "smtp://mail:2525",
        "BR_REDIS_URL": "redis://cache:6379/0", "BR_MAX_BODY_BYTES": "2048",
    })
    assert (settings.port, settings.debug, settings.max_body_bytes) == (9000, True, 2048)
    assert settings.base_url == "https://br.example.com" and settings.secure_cookies and not settings.is_sqlite


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BR_PORT", "eighty", "BR_PORT must be a whole number"),
    ("BR_PORT", "70000", "BR_PORT must be between 1 and 65535"),
    ("BR_DEBUG", "maybe", "BR_DEBUG must be one of"),
    ("BR_DATABASE_URL", "mysql://u:secret@h/db", "BR_DATABASE_URL must start with"),
    ("BR_SMTP_URL", "http://mail", "BR_SMTP_URL must be a URL starting with smtp://"),
    ("BR_BASE_URL", "ftp://x", "BR_BASE_URL must be a URL"),
    ("BR_MAX_BODY_BYTES", "10", "BR_MAX_BODY_BYTES must be between"),
])
def test_invalid_values_name_the_variable(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as error:
        Settings.from_env({"BR_DATA_DIR": str(tmp_path), name: value})
    assert "secret" not in str(error.value)  # passwords in URLs are redacted
