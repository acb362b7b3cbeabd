"""``br-server worker``: run SAQ workers against ``BR_REDIS_URL`` and ``BR_DATABASE_URL`` until SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
from typing import Any

from app.server.cli._commands import CliError, _expected_errors, _settings

__all__ = ["add_parser", "cmd_worker"]


def add_parser(sub: Any) -> None:
    """Declare ``worker`` on the top-level subparsers."""
    worker = sub.add_parser("worker", help="run background jobs (deliveries) from Redis; needs BR_REDIS_URL")
    worker.add_argument("--concurrency", type=int, help="jobs run at once (default BR_WORKER_CONCURRENCY or 10)")


@_expected_errors
def cmd_worker(args: argparse.Namespace) -> int:
    """Run one worker process until SIGINT or SIGTERM; running jobs get their timeout to finish."""
    from app.server.jobs._runtime import run_worker  # noqa: PLC0415  (only this command needs SAQ)

    settings = _settings()
    if not settings.redis_url:
        raise CliError("BR_REDIS_URL is not set: `br-server worker` takes jobs from Redis "
                       "(embedded mode runs jobs in the app process, so no worker is needed)")
    if args.concurrency is not None:
        if args.concurrency < 1:
            raise CliError("--concurrency must be 1 or more")
        settings = dataclasses.replace(settings, worker_concurrency=args.concurrency)
    logging.basicConfig(level=logging.DEBUG if settings.debug else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"br-server worker: {settings.worker_concurrency} concurrent jobs (Ctrl+C or SIGTERM stops it)",
          flush=True)
    asyncio.run(run_worker(settings))
    return 0

