"""API keys per server, in ``credentials.json`` under the user's config directory (file 0600, directory 0700).

The directory is ``$BR_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/buildrunner``, else ``~/.config/buildrunner``.
``$BR_API_KEY`` overrides the stored key (for CI). Keys are never printed.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import msgspec

from buildrunner.spec.document import utc_now
from buildrunner.sync.errors import ConfigError
from buildrunner.workspace.files import atomic_write, locked

__all__ = ["CredentialStore", "config_dir", "normalize_server"]

FILE_NAME: Final = "credentials.json"
ENV_KEY: Final = "BR_API_KEY"


class ServerCredentials(msgspec.Struct, kw_only=True):
    """One server's API key."""

    api_key: str
    saved_at: str = ""


class CredentialsFile(msgspec.Struct, kw_only=True):
    """The whole file: keys by normalized server URL."""

    version: int = 1
    servers: dict[str, ServerCredentials] = msgspec.field(default_factory=dict)


def config_dir() -> Path:
    """Where `br` keeps per-user settings."""
    explicit = os.environ.get("BR_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    return (Path(xdg) if xdg else Path.home() / ".config") / "buildrunner"


def normalize_server(url: str) -> str:
    """``https://Example.org/`` → ``https://example.org``: one spelling per server.

    Raises:
        ConfigError: not an http(s) URL.
    """
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"--server {url!r} is not a server URL; use e.g. https://buildrunner.example.org")
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), "", ""))


class CredentialStore:
    """Reads and writes ``credentials.json``."""

    def __init__(self, directory: Path | None = None) -> None:
        """Use ``directory`` (default :func:`config_dir`)."""
        self.dir = directory if directory is not None else config_dir()
        self.path = self.dir / FILE_NAME

    def api_key(self, server: str) -> str | None:
        """The key for ``server``: ``$BR_API_KEY`` if set, else the stored one, else ``None``."""
        from_env = os.environ.get(ENV_KEY, "").strip()
        if from_env:
            return from_env
        entry = self._read().servers.get(normalize_server(server))
        return entry.api_key if entry else None

    def servers(self) -> list[str]:
        """Servers with a stored key."""
        return sorted(self._read().servers)

    def save(self, server: str, api_key: str) -> None:
        """Store ``api_key`` for ``server`` (replacing any earlier one)."""
        with self._writing() as current:
            current.servers[normalize_server(server)] = ServerCredentials(api_key=api_key, saved_at=utc_now())

    def remove(self, server: str) -> bool:
        """Forget ``server``'s key; ``False`` when there was none."""
        with self._writing() as current:
            return current.servers.pop(normalize_server(server), None) is not None

    def _read(self) -> CredentialsFile:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return CredentialsFile()
        except OSError as exc:
            raise ConfigError(f"cannot read {self.path}: {exc.strerror}") from None
        try:
            return msgspec.json.decode(data, type=CredentialsFile)
        except (msgspec.DecodeError, msgspec.ValidationError):
            # The message must not echo the file: it holds secrets.
            raise ConfigError(f"{self.path} is damaged; delete it and run `br login` again") from None

    @contextlib.contextmanager
    def _writing(self) -> Iterator[CredentialsFile]:
        try:
            self.dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.dir.chmod(0o700)
            with locked(self.dir / ".lock"):
                current = self._read()
                yield current
                if not self.path.exists():
                    # atomic_write keeps an existing file's mode: create it 0600 first, so the key is never
                    # readable by others, not even for a moment.
                    os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
                self.path.chmod(0o600)
                atomic_write(self.path, msgspec.json.format(msgspec.json.encode(current), indent=2) + b"\n")
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path}: {exc.strerror}") from None
