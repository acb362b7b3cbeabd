"""API keys per server: 0600 file in a 0700 directory, never shown, normalized URLs, BR_API_KEY override."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from buildrunner.sync.credentials import CredentialStore, config_dir, normalize_server
from buildrunner.sync.errors import ConfigError

SECRET = "br_12345678_abcdefghijklmnopqrstuvwxyz012345678901"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_is_stored_0600_in_a_0700_directory(_config_dir: Path) -> None:
    store = CredentialStore()
    store.save("https://BR.example.org/", SECRET)
    assert store.path == _config_dir / "credentials.json"
    assert mode(store.path) == 0o600 and mode(_config_dir) == 0o700
    assert store.api_key("https://br.example.org") == SECRET
    store.save("http://127.0.0.1:8000", "other")  # rewriting keeps the mode
    assert mode(store.path) == 0o600
    assert store.servers() == ["http://127.0.0.1:8000", "https://br.example.org"]


def test_a_too_open_existing_file_is_tightened(_config_dir: Path) -> None:
    _config_dir.mkdir(parents=True)
    (_config_dir / "credentials.json").write_text('{"version": 1, "servers": {}}')
    (_config_dir / "credentials.json").chmod(0o644)
    CredentialStore().save("https://br.example.org", SECRET)
    assert mode(_config_dir / "credentials.json") == 0o600


def test_remove_forgets_one_server() -> None:
    store = CredentialStore()
    store.save("https://a.example", "key-a")
    store.save("https://b.example", "key-b")
    assert store.remove("https://A.example/") is True
    assert store.remove("https://a.example") is False
    assert store.api_key("https://a.example") is None and store.api_key("https://b.example") == "key-b"


def test_environment_key_overrides_the_stored_one(monkeypatch: pytest.MonkeyPatch) -> None:
    store = CredentialStore()
    store.save("https://a.example", "stored")
    monkeypatch.setenv("BR_API_KEY", "from-env")
    assert store.api_key("https://a.example") == "from-env"
    assert store.api_key("https://unknown.example") == "from-env"


def test_damaged_file_error_never_echoes_its_content(_config_dir: Path) -> None:
    _config_dir.mkdir(parents=True)
    (_config_dir / "credentials.json").write_text(f'{{"servers": {{"x": "{SECRET}"')
    with pytest.raises(ConfigError) as caught:
        CredentialStore().api_key("https://x.example")
    assert SECRET not in str(caught.value) and "br login" in str(caught.value)


def test_config_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BR_CONFIG_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "explicit"
    monkeypatch.delenv("BR_CONFIG_DIR")
    assert config_dir() == tmp_path / "xdg" / "buildrunner"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "buildrunner"


@pytest.mark.parametrize(("given", "expected"), [
    ("https://BR.Example.org/", "https://br.example.org"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
    (" https://host/base/ ", "https://host/base"),
])
def test_server_urls_are_normalized(given: str, expected: str) -> None:
    assert normalize_server(given) == expected


@pytest.mark.parametrize("bad", ["br.example.org", "ftp://x", "https://", ""])
def test_bad_server_urls_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="not a server URL"):
        normalize_server(bad)
