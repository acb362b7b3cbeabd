"""``br-server``: run the server and administer it (see ``br-server --help``)."""

from __future__ import annotations

from app.server.cli import run

if __name__ == "__main__":
    run()
