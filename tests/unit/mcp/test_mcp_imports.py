"""The SDK is loaded only when `br mcp` serves, and `buildrunner.mcp` never shadows the `mcp` SDK."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mcp
from mcp.server.lowlevel import Server

from buildrunner.mcp.server import build_server
from buildrunner.workspace.workspace import Workspace

# Run in a fresh interpreter: this test session has imported the SDK already (test_mcp_server.py).
PROBE = """
import contextlib, sys
from buildrunner.cli import main
with contextlib.redirect_stdout(None), contextlib.suppress(SystemExit):
    main(["--help"])
import buildrunner.cli.mcp, buildrunner.mcp
print(sorted(name for name in sys.modules if name == "mcp" or name.startswith(("mcp.", "mcp_types"))))
"""


def test_help_and_the_command_module_do_not_import_the_sdk() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"


def test_buildrunner_mcp_does_not_shadow_the_sdk(tmp_path: Path) -> None:
    assert "buildrunner" not in Path(mcp.__file__ or "").parts
    assert isinstance(build_server(Workspace(tmp_path)), Server)
