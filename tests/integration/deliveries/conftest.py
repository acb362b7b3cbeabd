"""A local HTTP server standing for Slack and Discord (the SMTP server is in ``tests/integration/conftest.py``)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from app.domain.deliveries.services import DeliveryConfig, configure
from tests.integration.conftest import Inbox

SECRET = "test-secret-" + "x" * 32


@dataclass
class Hooks:
    """Requests received by the webhook server, and the answers it gives, per path (200 once none are left)."""

    base: str = ""
    received: list[tuple[str, dict[str, str], Any]] = field(default_factory=list)
    answers: dict[str, list[tuple[int, dict[str, Any] | str, dict[str, str]]]] = field(default_factory=dict)

    def bodies(self, path: str) -> list[Any]:
        """The JSON bodies posted to ``path``."""
        return [body for got, _headers, body in self.received if got == path]


@pytest.fixture
def hooks() -> Iterator[Hooks]:
    """A local HTTP server answering webhook POSTs as Slack (``ok``) and Discord (204) do, unless told otherwise."""
    state = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state.received.append((self.path, dict(self.headers), body))
            queued = state.answers.get(self.path) or []
            status, answer, headers = queued.pop(0) if queued else (
                204 if "discord" in self.path else 200, "" if "discord" in self.path else "ok", {})
            data = (json.dumps(answer) if isinstance(answer, dict) else answer).encode()
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def delivery_config(smtp: tuple[str, Inbox]) -> Iterator[DeliveryConfig]:
    """Deliveries through the test SMTP server, with short timeouts."""
    config = DeliveryConfig(secret_key=SECRET, smtp_url=smtp[0], max_attempts=3, retry_base_seconds=10,
                            lease_seconds=30, http_timeout_seconds=5, smtp_timeout_seconds=5)
    configure(config)
    yield config
    configure(None)
