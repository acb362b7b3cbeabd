"""Live updates under load: 1,000 SSE clients on one app instance, one event per second.

One uvicorn child serves the real app (``create_app``, embedded SQLite, or Channels on Redis with ``--redis``), seeded
through the services like ``bench_server.py``. The clients are raw asyncio sockets in this process (an httpx client
per connection would spend the two cores on the client side) reading ``GET /api/v1/projects/WEB/events``. Each
second a comment is posted through the JSON API, so every event takes the real path: the comment service, the domain
event, the hub's log and Channels, then each client's stream.

Measured, each against the same figure with **one** client in the same run (the baseline):

- delivery latency per client and event: receive time minus the event's ``at`` (set when the service publishes);
  p50 and p99 over every (client, event) pair; target p99 <= 250 ms;
- comment POST -> SSE delivery for one client: from just before the POST to that client's receipt;
- server RSS before and after connecting the clients: memory per connection.

Usage::

    uv run python bench/bench_live.py                      # 1,000 clients, 20 events (about a minute)
    uv run python bench/bench_live.py --clients 200 --events 5
    uv run python bench/bench_live.py --redis redis://127.0.0.1:6379/0

Results are printed as a table and written to ``bench/results/live.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench_server import KEY, seed, settings_env
from server_load import Server, start_server, stop_server

RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "live.json"
P99_TARGET_MS: Final = 250.0
MICROSTEP: Final = "ms-212"


@dataclass
class Client:
    """One SSE connection: when each event id arrived, and the event's own time."""

    received: dict[int, float] = field(default_factory=dict)
    at: dict[int, float] = field(default_factory=dict)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    last_arrival: float = 0.0


def raise_fd_limit() -> int:
    """Allow as many open files as the hard limit (each client and each server connection is one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def rss_kib(pid: int) -> int:
    """Resident memory of a process, in KiB (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


class _StreamProtocol(asyncio.Protocol):
    """Keeps each chunk with its arrival time; parsing waits until the run is over, so that the client's own CPU
    (on the same two cores as the server) stays out of the latencies as far as possible."""

    def __init__(self, request: bytes, client: Client) -> None:
        self.request, self.client = request, client
        self.chunks: list[tuple[float, bytes]] = []
        self.closed = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        self.chunks.append((time.time(), data))
        if not self.client.connected.is_set() and b": connected" in data:
            self.client.connected.set()
        if b"data: {" in data:
            self.client.arrived.set()
            self.client.last_arrival = time.time()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def listen(host: str, port: int, api_key: str, client: Client) -> None:
    """Hold the project's stream open until cancelled, then parse what arrived (HTTP/1.1 chunked, SSE inside)."""
    request = (f"GET /api/v1/projects/{KEY}/events HTTP/1.1\r\nHost: {host}\r\nAccept: text/event-stream\r\n"
               f"Authorization: Bearer {api_key}\r\n\r\n").encode()
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(lambda: _StreamProtocol(request, client), host, port)
    try:
        await protocol.closed
    finally:
        transport.close()
        _parse(protocol.chunks, client)


def _parse(chunks: list[tuple[float, bytes]], client: Client) -> None:
    """Split the body into SSE messages, each timed by the chunk that completed it (chunk framing lines are
    harmless here: they never start with ``data: {``)."""
    pending = b""
    for arrived, data in chunks:
        pending += data
        while b"\r\n\r\n" in pending:  # Litestar ends SSE lines with CRLF
            message, pending = pending.split(b"\r\n\r\n", 1)
            for line in message.split(b"\r\n"):
                if line.startswith(b"data: {"):
                    event = json.loads(line[6:])
                    client.received[int(event["id"])] = arrived
                    client.at[int(event["id"])] = datetime.fromisoformat(event["at"]).timestamp()


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (nearest rank) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))] if ordered else float("nan")


async def post_comment(http: Any, key: str, n: int) -> float:
    """Post comment ``n``; returns when the POST started (wall clock)."""
    started = time.time()
    answer = await http.post(f"/api/v1/projects/{KEY}/comments", headers={"Authorization": f"Bearer {key}"},
                             json={"entity_type": "microstep", "entity_id": MICROSTEP, "body": f"bench event {n}"})
    if answer.status_code != 201:
        raise RuntimeError(f"posting a comment answered {answer.status_code}: {answer.text[:300]}")
    return started


async def phase(server: Server, creds: dict[str, Any], clients: int, events: int, interval: float) -> dict[str, Any]:
    """Connect ``clients``, post ``events`` comments ``interval`` seconds apart, and measure."""
    import httpx  # noqa: PLC0415

    host, port = server.url.removeprefix("http://").split(":")
    rss_before = rss_kib(server.process.pid)
    readers = [Client() for _ in range(clients)]
    tasks = []
    for i, client in enumerate(readers):
        tasks.append(asyncio.create_task(listen(host, int(port), creds["api_key"], client)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)  # let the server accept in batches (the listen backlog is finite)
    connect_started = time.perf_counter()
    async with asyncio.timeout(120):
        await asyncio.gather(*(c.connected.wait() for c in readers))
    connect_s = time.perf_counter() - connect_started
    await asyncio.sleep(1)
    rss_after = rss_kib(server.process.pid)
    probe = readers[0]
    post_to_delivery: list[float] = []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        for n in range(events):
            probe.arrived.clear()
            started = await post_comment(http, creds["api_key"], n)
            async with asyncio.timeout(30):
                await probe.arrived.wait()
            post_to_delivery.append((probe.last_arrival - started) * 1000)
            await asyncio.sleep(max(0.0, interval - (time.time() - started)))
    await asyncio.sleep(2)  # the last event reaches the slowest clients
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    last = max(probe.received)
    ids = range(last - events + 1, last + 1)
    latencies = [(c.received[i] - c.at[i]) * 1000 for c in readers for i in ids if i in c.received]
    missing = sum(1 for c in readers for i in ids if i not in c.received)
    return {
        "clients": clients, "events": events, "connect_s": connect_s, "missing": missing,
        "latency_ms": {"p50": percentile(latencies, 50), "p99": percentile(latencies, 99),
                       "max": max(latencies, default=float("nan"))},
        "post_to_delivery_ms": {"p50": statistics.median(post_to_delivery), "p99": percentile(post_to_delivery, 99)},
        "rss_kib": {"before": rss_before, "after": rss_after},
        "per_connection_kib": (rss_after - rss_before) / clients,
        "load_average": os.getloadavg(),
    }


def print_table(baseline: dict[str, Any], loaded: dict[str, Any]) -> None:
    """The figures side by side."""
    rows = [
        ("delivery latency p50 (ms)", baseline["latency_ms"]["p50"], loaded["latency_ms"]["p50"]),
        ("delivery latency p99 (ms)", baseline["latency_ms"]["p99"], loaded["latency_ms"]["p99"]),
        ("delivery latency max (ms)", baseline["latency_ms"]["max"], loaded["latency_ms"]["max"]),
        ("comment POST -> delivery p50 (ms)", baseline["post_to_delivery_ms"]["p50"],
         loaded["post_to_delivery_ms"]["p50"]),
        ("comment POST -> delivery p99 (ms)", baseline["post_to_delivery_ms"]["p99"],
         loaded["post_to_delivery_ms"]["p99"]),
        ("server RSS before clients (MiB)", baseline["rss_kib"]["before"] / 1024, loaded["rss_kib"]["before"] / 1024),
        ("server RSS with clients (MiB)", baseline["rss_kib"]["after"] / 1024, loaded["rss_kib"]["after"] / 1024),
        ("memory per connection (KiB)", baseline["per_connection_kib"], loaded["per_connection_kib"]),
        ("events not delivered", baseline["missing"], loaded["missing"]),
        ("time to connect all (s)", baseline["connect_s"], loaded["connect_s"]),
    ]
    head = f"{'':38} {'1 client':>12} {str(loaded['clients']) + ' clients':>14}"
    print(head)
    print("-" * len(head))
    for name, one, many in rows:
        print(f"{name:38} {one:12.1f} {many:14.1f}")
    print(f"{'load average (1 min) during the run':38} {baseline['load_average'][0]:12.2f} "
          f"{loaded['load_average'][0]:14.2f}")
    verdict = "met" if loaded["latency_ms"]["p99"] <= P99_TARGET_MS and not loaded["missing"] else "MISSED"
    print(f"\ntarget: p99 delivery <= {P99_TARGET_MS:.0f} ms with {loaded['clients']} clients, none missing: {verdict}")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Seed, serve, measure one client then many."""
    from app.server.demo_plan import demo_plan  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="br-bench-live-") as tmp:
        env = settings_env(Path(tmp))
        if args.redis:
            env["BR_REDIS_URL"] = args.redis
        creds = await seed(env, demo_plan(), scopes=("plan:read", "comments:write"))
        server = start_server("app", env)
        try:
            baseline = await phase(server, creds, 1, max(5, args.events // 2), args.interval)
            loaded = await phase(server, creds, args.clients, args.events, args.interval)
        finally:
            stop_server(server)
    return {"baseline": baseline, "loaded": loaded}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between events")
    parser.add_argument("--redis", default="", help="Channels on this Redis instead of the memory backend")
    args = parser.parse_args(argv)
    limit = raise_fd_limit()
    if limit < args.clients * 2 + 100:
        raise SystemExit(f"the open-file limit is {limit}: too low for {args.clients} clients")
    results = asyncio.run(run(args))
    print_table(results["baseline"], results["loaded"])
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(), "python": sys.version, "machine": platform.platform(),
        "backend": "redis" if args.redis else "memory", "interval_s": args.interval, **results,
    }, indent=2))
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
