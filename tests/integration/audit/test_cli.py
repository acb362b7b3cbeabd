"""``br-server audit verify|checkpoint|export|prune`` on both databases: output, files and exit codes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db.config import create_engine
from app.domain.audit import merkle
from app.server.cli import main
from tests.integration.audit.conftest import append, tamper

SECRET = "cli-secret-" + "y" * 32


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("BR_AUDIT_RETENTION_DAYS", "BR_AUDIT_CHECKPOINT_EVERY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("BR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("BR_DATABASE_URL", database_url)
    monkeypatch.setenv("BR_SECRET_KEY", SECRET)
    return database_url


def _fill(url: str, count: int) -> None:
    async def go() -> None:
        engine = create_engine(url, pooled=False)
        try:
            async with async_sessionmaker(engine, expire_on_commit=False)() as db:
                await append(db, count)
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_verify_checkpoint_and_export(env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("OK: 0 entries checked (no entries)")
    assert main(["audit", "checkpoint"]) == 0
    assert "the ledger is empty" in capsys.readouterr().out
    assert main(["audit", "verify", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    _fill(env, 1200)
    assert main(["audit", "checkpoint"]) == 0
    assert "checkpoint of 1200 entries: root " in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0
    assert "OK: 1200 entries checked (entries 1-1200), 2 checkpoints (latest covers 1200" in capsys.readouterr().out
    assert main(["audit", "verify", "--full"]) == 0  # the walk that rebuilds the whole tree agrees
    assert "OK: 1200 entries checked (entries 1-1200), 2 checkpoints (latest covers 1200" in capsys.readouterr().out
    out = tmp_path / "ledger.jsonl"
    assert main(["audit", "export", "--out", str(out), "--proofs"]) == 0
    assert capsys.readouterr().out == f"exported 1200 entries to {out}\n"
    header, *entries = [json.loads(line) for line in out.read_text().splitlines()]
    root = bytes.fromhex(header["checkpoint"]["root_hash"])
    assert len(entries) == 1200 and header["checkpoint"]["tree_size"] == 1200
    for entry in entries[::97]:
        leaf = merkle.leaf_hash(bytes.fromhex(entry["hash"]))
        assert merkle.verify_inclusion(entry["seq"] - 1, 1200, leaf, [bytes.fromhex(h) for h in entry["proof"]["path"]],
                                       root)
    assert not list(tmp_path.glob(".ledger.jsonl.*"))  # the temporary file was renamed into place


def test_verify_exits_1_naming_the_first_bad_entry(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(env, 50)
    asyncio.run(tamper(env, ["UPDATE audit_entry SET target = 'x' WHERE seq = 17"]))
    for full in ([], ["--full"]):
        assert main(["audit", "verify", *full]) == 1
        out = capsys.readouterr().out
        assert out.startswith("FAILED: first bad entry 17: entry 17 does not match its hash")


def test_prune_needs_a_date_or_the_retention_setting(env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "pruned.jsonl"
    assert main(["audit", "prune", "--out", str(out)]) == 2
    assert "give --before DATE, or set BR_AUDIT_RETENTION_DAYS" in capsys.readouterr().err
    assert main(["audit", "prune", "--out", str(out), "--before", "yesterday"]) == 2
    assert "--before: give a date as YYYY-MM-DD" in capsys.readouterr().err
    monkeypatch.setenv("BR_AUDIT_RETENTION_DAYS", "30")
    assert main(["audit", "prune", "--out", str(out)]) == 0
    assert "nothing to prune" in capsys.readouterr().out
    _fill(env, 1100)
    monkeypatch.delenv("BR_AUDIT_RETENTION_DAYS")
    assert main(["audit", "prune", "--out", str(out), "--before", "2999-01-01"]) == 0
    assert "pruned entries 1-1024" in capsys.readouterr().out
    assert len(out.read_text().splitlines()) == 1 + 1024
    assert main(["audit", "verify"]) == 0
    assert "pruned through 1024" in capsys.readouterr().out
