"""``br-server`` commands on an embedded (SQLite) data directory: exit codes and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.server.cli import main


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("BR_DATABASE_URL", "BR_SECRET_KEY", "BR_PORT", "BR_HOST"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BR_DATA_DIR", str(tmp_path))
    return tmp_path


def test_db_check_fails_before_upgrade_and_passes_after(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "check"]) == 1
    assert "br-server db upgrade" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert main(["db", "check"]) == 0
    assert "models and migrations match" in capsys.readouterr().out


def test_users_and_api_keys(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert main(["users", "create", "--email", "Ann@Example.com", "--password", "a long password",
                 "--org", "acme", "--role", "admin"]) == 0
    assert "ann@example.com, admin of acme" in capsys.readouterr().out
    assert main(["users", "create", "--email", "root@example.com", "--password", "a long password",
                 "--role", "GlobalAdmin"]) == 0
    assert "(GlobalAdmin)" in capsys.readouterr().out
    assert main(["api-keys", "create", "--email", "ann@example.com", "--scopes", "plan:read,plan:write",
                 "--expires-days", "7", "--org", "acme"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("br_") and "shown only now" in out[1]


@pytest.mark.parametrize(("argv", "message"), [
    (["users", "create", "--email", "x@example.com", "--password", "short"], "password: use at least"),
    (["users", "create", "--email", "x@example.com", "--password", "a long password", "--role", "admin"],
     "needs --org"),
    (["api-keys", "create", "--email", "nobody@example.com", "--scopes", "plan:read"], "no user"),
])
def test_errors_are_one_line_with_exit_code_2(
    data_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["db", "upgrade"]) == 0
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_bad_setting_and_unreachable_database(data_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("BR_PORT", "nope")
    assert main(["db", "check"]) == 2
    assert "BR_PORT" in capsys.readouterr().err
    monkeypatch.delenv("BR_PORT")
    monkeypatch.setenv("BR_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:1/none")
    assert main(["db", "upgrade"]) == 2
    assert "BR_DATABASE_URL" in capsys.readouterr().err
