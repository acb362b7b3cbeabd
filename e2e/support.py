"""What the browser tests share besides fixtures: the live server process, the browser settings, sign-in.

Playwright never downloads a browser here: it drives Debian's ``/usr/bin/chromium`` (``BR_CHROMIUM`` overrides
the path) with the flags ARCHITECTURE.md lists.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import pytest
from playwright.sync_api import BrowserContext, Page, Response

ROOT: Final = Path(__file__).resolve().parents[1]
CHROMIUM: Final = Path(os.environ.get("BR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS: Final = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
)
CHROMIUM_MISSING: Final = (
    f"Chromium is missing at {CHROMIUM}: the browser tests drive Debian's chromium and never download one. "
    "Install it with `sudo apt-get install chromium` (or `make system-deps`), or point BR_CHROMIUM at a "
    "Chromium binary."
)
DEMO_PASSWORD: Final = "buildrunner-demo"  # noqa: S105  (the published demo login, see app/server/demo.py)
DEMO_ORG: Final = "acme"
DEMO_PROJECT: Final = "SHOP"
STARTUP_SECONDS: Final = 60.0
STOP_SECONDS: Final = 10.0
TIMEOUT_MS: Final = 10_000  # one navigation or assertion; a live server on loopback answers far sooner

#: Makes a fresh browser context on the live server: ``new_context(java_script_enabled=False)``.
ContextFactory = Callable[..., BrowserContext]


class ServerStartError(RuntimeError):
    """The server did not start; the message carries the end of its log."""


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LiveServer:
    """``br-server run --demo`` as a subprocess in its own process group, on a free loopback port."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The base URL, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        """The server's combined stdout and stderr."""
        return self.data_dir / "server.log"

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server's log, for failure messages."""
        if not self.log.exists():
            return "(no log)"
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def start(self) -> None:
        """Start the server and return once ``/healthz`` answers 200.

        Raises:
            ServerStartError: the process exited, or did not answer within ``STARTUP_SECONDS``.
        """
        # Only this server's settings: a developer's BR_DATABASE_URL or BR_SMTP_URL must not leak in.
        env = {name: value for name, value in os.environ.items() if not name.startswith("BR_")}
        env.update(BR_DATA_DIR=str(self.data_dir), BR_BASE_URL=self.url, BR_SECRET_KEY=secrets.token_hex(32),
                   PYTHONUNBUFFERED="1")
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self._command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # its own process group, so stop() ends uvicorn and anything it spawned
            )
        self._wait_until_healthy(self.process)

    @classmethod
    @contextlib.contextmanager
    def running(cls, data_dir: Path) -> Iterator[LiveServer]:
        """A started server on ``data_dir``, stopped on the way out whatever happened; one that does not start
        fails the test with the end of its log."""
        server = cls(data_dir=data_dir)
        try:
            server.start()
        except ServerStartError as exc:
            server.stop()
            pytest.fail(str(exc))
        try:
            yield server
        finally:
            server.stop()

    def stop(self) -> None:
        """End the server's process group: TERM, then KILL after ``STOP_SECONDS``."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_SECONDS)

    def _command(self) -> list[str]:
        """``br-server run --demo`` as a user runs it: the console script next to this interpreter."""
        script = Path(sys.executable).with_name("br-server")
        launcher = [str(script)] if script.exists() else [sys.executable, "-m", "app"]
        return [*launcher, "run", "--demo", "--host", "127.0.0.1", "--port", str(self.port)]

    def _wait_until_healthy(self, process: subprocess.Popen[bytes]) -> None:
        waited = 0.0
        with httpx.Client(timeout=2.0) as client:
            while waited < STARTUP_SECONDS:
                if process.poll() is not None:
                    raise ServerStartError(f"br-server exited with code {process.returncode} before answering "
                                       f"/healthz:\n{self.log_tail()}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                # Waiting on the process rather than sleeping also notices at once when it exits.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=0.1)
                waited += 0.1
        raise ServerStartError(f"br-server did not answer /healthz within {STARTUP_SECONDS:.0f} s:\n{self.log_tail()}")


def is_post_to(path: str) -> Callable[[Response], bool]:
    """A predicate for ``page.expect_response``: the answer to a POST whose URL path is ``path``."""
    def match(response: Response) -> bool:
        return response.request.method == "POST" and response.url.split("?")[0].endswith(path)

    return match


def sign_in(page: Page, email: str, password: str = DEMO_PASSWORD) -> Response:
    """Sign in through the login form as a person does (type, press Enter); returns the POST's answer.

    Asserts the answer is a 303 and that a session cookie was set.
    """
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_response(is_post_to("/login")) as answer:
        page.get_by_label("Password").press("Enter")
    assert answer.value.status == 303, f"sign-in as {email} answered {answer.value.status}, not 303"
    assert has_session(page.context), f"no session cookie after signing in as {email}"
    return answer.value


def has_session(context: BrowserContext) -> bool:
    """Whether the context holds the server's session cookie."""
    return any(cookie["name"] == "br_session" and cookie["value"] for cookie in context.cookies())


def storage_state(context: BrowserContext) -> dict[str, Any]:
    """The context's cookies and storage, to open more contexts as the same person."""
    return dict(context.storage_state())
