"""Typed settings read once from ``BR_*`` environment variables.

Every variable is listed, with its default, in ``.env.example``. A bad value stops start-up with one
line naming the variable and what it accepts.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["Settings", "SettingsError"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_DB_SCHEMES = ("sqlite+aiosqlite", "postgresql+asyncpg")
SECRET_FILE = "secret_key"  # noqa: S105  (a file name, not a secret)


class SettingsError(Exception):
    """A ``BR_*`` variable has a value the server cannot use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Server settings; build with :meth:`from_env`."""

    database_url: str
    data_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str
    smtp_url: str | None = None
    redis_url: str | None = None
    base_url: str = "http://127.0.0.1:8000"
    max_body_bytes: int = 32_000_000  # a 10,000-microstep plan.json is about 11 MB
    debug: bool = False
    audit_checkpoint_every: int = 1024
    audit_retention_days: int | None = None
    live_heartbeat_seconds: int = 15
    live_history: int = 1000
    live_backlog: int = 256
    worker_concurrency: int = 10
    job_timeout_seconds: int = 60
    job_retries: int = 3
    job_heartbeat_seconds: int = 30
    delivery_max_attempts: int = 8
    delivery_retry_seconds: int = 30
    delivery_sweep_seconds: int = 60

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite file."""
        return self.database_url.startswith("sqlite")

    @property
    def secure_cookies(self) -> bool:
        """Cookies get ``Secure`` when the public URL is https (the server runs behind TLS)."""
        return self.base_url.startswith("https://")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from ``environ`` (default: the process environment).

        Raises:
            SettingsError: naming the first variable whose value is invalid.
        """
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("BR_DATA_DIR") or "./var").expanduser().resolve()
        host = env.get("BR_HOST") or "127.0.0.1"
        port = _int(env, "BR_PORT", 8000, low=1, high=65535)
        database_url = env.get("BR_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'buildrunner.db'}"
        if not database_url.startswith(tuple(f"{scheme}://" for scheme in _DB_SCHEMES)):
            raise SettingsError(
                "BR_DATABASE_URL must start with sqlite+aiosqlite:/// or postgresql+asyncpg://"
                f" (got {_redact(database_url)!r})"
            )
        return cls(
            database_url=database_url,
            data_dir=data_dir,
            host=host,
            port=port,
            secret_key=env.get("BR_SECRET_KEY") or _embedded_secret(data_dir),
            smtp_url=_url(env, "BR_SMTP_URL", ("smtp", "smtps")),
            redis_url=_url(env, "BR_REDIS_URL", ("redis", "rediss", "unix")),
            base_url=(_url(env, "BR_BASE_URL", ("http", "https")) or f"http://{host}:{port}").rstrip("/"),
            max_body_bytes=_int(env, "BR_MAX_BODY_BYTES", 32_000_000, low=1024, high=1_000_000_000),
            debug=_bool(env, "BR_DEBUG"),
            audit_checkpoint_every=_int(env, "BR_AUDIT_CHECKPOINT_EVERY", 1024, low=0, high=10_000_000),
            audit_retention_days=_int(env, "BR_AUDIT_RETENTION_DAYS", 0, low=1, high=100_000) or None,
            live_heartbeat_seconds=_int(env, "BR_LIVE_HEARTBEAT_SECONDS", 15, low=1, high=3600),
            live_history=_int(env, "BR_LIVE_HISTORY", 1000, low=1, high=1_000_000),
            live_backlog=_int(env, "BR_LIVE_BACKLOG", 256, low=1, high=100_000),
            worker_concurrency=_int(env, "BR_WORKER_CONCURRENCY", 10, low=1, high=1000),
            job_timeout_seconds=_int(env, "BR_JOB_TIMEOUT_SECONDS", 60, low=1, high=86_400),
            job_retries=_int(env, "BR_JOB_RETRIES", 3, low=1, high=100),
            job_heartbeat_seconds=_int(env, "BR_JOB_HEARTBEAT_SECONDS", 30, low=1, high=3600),
            delivery_max_attempts=_int(env, "BR_DELIVERY_MAX_ATTEMPTS", 8, low=1, high=100),
            delivery_retry_seconds=_int(env, "BR_DELIVERY_RETRY_SECONDS", 30, low=1, high=86_400),
            delivery_sweep_seconds=_int(env, "BR_DELIVERY_SWEEP_SECONDS", 60, low=1, high=3600),
        )


def _int(env: Mapping[str, str], name: str, default: int, *, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number between {low} and {high} (got {raw!r})") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high} (got {value})")
    return value


def _bool(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise SettingsError(f"{name} must be one of 1/0, true/false, yes/no, on/off (got {raw!r})")


def _url(env: Mapping[str, str], name: str, schemes: tuple[str, ...]) -> str | None:
    raw = env.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not (parts.netloc or parts.path):
        wanted = ", ".join(f"{scheme}://" for scheme in schemes)
        raise SettingsError(f"{name} must be a URL starting with {wanted} (got {_redact(raw)!r})")
    return raw


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def _embedded_secret(data_dir: Path) -> str:
    """Read the embedded-mode secret, creating it (mode 0600) on first start."""
    path = data_dir / SECRET_FILE
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
        secret = secrets.token_urlsafe(48)
        # O_EXCL: two processes starting at once must not both write a different key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secret + "\n")
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SettingsError(f"BR_DATA_DIR {str(data_dir)!r} is not writable ({exc.strerror}); set BR_SECRET_KEY "
                            "or point BR_DATA_DIR at a writable directory") from None
    return secret
