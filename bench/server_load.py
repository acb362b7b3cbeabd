"""Load generation for ``bench_server.py``: uvicorn child processes on loopback, and a bounded load loop.

``wrk`` (C, one thread) is preferred because a Python load generator on the same two cores saturates before a
fast server does, which would squeeze the ratio between two servers towards 1. Without ``wrk`` an httpx loop of
concurrent workers sends a fixed number of requests. Either way every request goes to 127.0.0.1 and every round
is bounded in count or time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

BENCH_SCRIPT: Final = Path(__file__).resolve().parent / "bench_server.py"
READY_SECONDS: Final = 60.0
_UNITS: Final = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Load:
    """How each round loads a server."""

    tool: str  # "wrk" or "httpx"
    rounds: int
    seconds: float  # wrk: duration of a round
    requests: int  # httpx: requests in a round
    concurrency: int

    def describe(self) -> str:
        """One line for the report."""
        if self.tool == "wrk":
            return f"wrk -t1 -c{self.concurrency} -d{self.seconds:g}s, {self.rounds} rounds per server"
        return f"httpx, {self.concurrency} workers, {self.requests} requests, {self.rounds} rounds per server"


@dataclass(frozen=True)
class LoadResult:
    """One round against one URL."""

    path: str
    requests: int
    seconds: float
    errors: int
    latency_p50_ms: float

    @property
    def rps(self) -> float:
        """Requests per second over the round."""
        return self.requests / self.seconds


@dataclass(frozen=True)
class Server:
    """A uvicorn child process serving one app."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(kind: str, env: Mapping[str, str]) -> Server:
    """Serve the ``kind`` app (``app`` or ``bare``) with uvicorn on a free loopback port; wait until it answers."""
    import httpx  # noqa: PLC0415

    port = _free_port()
    log = Path(env["BR_DATA_DIR"]) / f"uvicorn-{kind}.log"
    child_env = {**{k: v for k, v in os.environ.items() if not k.startswith("BR_")}, **env}
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, str(BENCH_SCRIPT), "_serve", kind, str(port)], env=child_env,
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    server = Server(process=process, url=f"http://127.0.0.1:{port}", log=log)
    probe = "/healthz" if kind == "app" else "/bare"
    deadline = time.monotonic() + READY_SECONDS
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"the {kind} server exited ({process.returncode}):\n{log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if client.get(server.url + probe).status_code == 200:
                    return server
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=0.1)
    stop_server(server)
    raise SystemExit(f"the {kind} server did not answer within {READY_SECONDS:.0f} s:\n{log.read_text()[-2000:]}")


def stop_server(server: Server) -> None:
    """End the child's process group: TERM, then KILL."""
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)


def warm_up(url: str, headers: Mapping[str, str], requests: int = 50) -> None:
    """Untimed requests first: the worker's imports, caches and database connections are ready before timing."""
    import httpx  # noqa: PLC0415

    with httpx.Client(timeout=30.0, headers=dict(headers)) as client:
        for _ in range(requests):
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code} while warming up:\n{response.text[:2000]}")


def run_load(url: str, headers: Mapping[str, str], load: Load) -> LoadResult:
    """One bounded round of load against ``url``."""
    path = "/" + url.split("/", 3)[3]
    if load.tool == "wrk":
        return _wrk(url, path, headers, load)
    return asyncio.run(_httpx_round(url, path, headers, load))


def _wrk(url: str, path: str, headers: Mapping[str, str], load: Load) -> LoadResult:
    command = ["wrk", "-t1", f"-c{load.concurrency}", f"-d{load.seconds:g}s", "--latency", "--timeout", "5s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    completed = subprocess.run([*command, url], capture_output=True, text=True, timeout=load.seconds + 30,
                               check=False)
    out = completed.stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    if completed.returncode != 0 or total is None:
        raise SystemExit(f"wrk failed ({completed.returncode}):\n{out}\n{completed.stderr}")
    seconds = float(total.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[total.group(3)]
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    errors += sum(int(n) for n in socket_errors.groups()) if socket_errors else 0
    p50 = re.search(r"^\s+50%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
    latency = float(p50.group(1)) * _UNITS[p50.group(2)] if p50 else float("nan")
    if errors:
        raise SystemExit(f"{path}: {errors} failed requests under load; the figure would not be meaningful:\n{out}")
    if int(total.group(1)) == 0:
        raise SystemExit(f"{path}: no request finished within {load.seconds:g} s; use a longer --seconds:\n{out}")
    return LoadResult(path=path, requests=int(total.group(1)), seconds=seconds, errors=errors,
                      latency_p50_ms=latency)


async def _httpx_round(url: str, path: str, headers: Mapping[str, str], load: Load) -> LoadResult:
    import httpx  # noqa: PLC0415

    remaining = load.requests
    latencies: list[float] = []
    errors = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal remaining, errors
        while remaining > 0:
            remaining -= 1
            started = time.perf_counter()
            response = await client.get(url, headers=dict(headers))
            latencies.append(time.perf_counter() - started)
            errors += response.status_code != 200

    limits = httpx.Limits(max_connections=load.concurrency, max_keepalive_connections=load.concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=5.0) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(load.concurrency)))
        seconds = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{path}: {errors} failed requests under load; the figure would not be meaningful")
    return LoadResult(path=path, requests=load.requests, seconds=seconds, errors=errors,
                      latency_p50_ms=statistics.median(latencies) * 1000)


def serve_main(argv: list[str], factories: Mapping[str, Callable[[Mapping[str, str]], Any]]) -> int:
    """The child process: ``_serve KIND PORT`` serves ``factories[KIND](os.environ)`` on 127.0.0.1:PORT."""
    import uvicorn  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="bench_server.py _serve")
    parser.add_argument("kind", choices=sorted(factories))
    parser.add_argument("port", type=int)
    args = parser.parse_args(argv)
    # The same uvicorn settings for both apps; the access log is off for both (it is uvicorn's cost, not the app's).
    uvicorn.run(factories[args.kind](os.environ), host="127.0.0.1", port=args.port, log_level="warning",
                access_log=False)
    return 0
