"""Paths of the realistic Task Master and Backlog.md sources the importer tests read."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@pytest.fixture
def taskmaster_dir() -> Path:
    return FIXTURES / "taskmaster"


@pytest.fixture
def backlog_root() -> Path:
    return FIXTURES / "backlog"
