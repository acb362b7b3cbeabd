"""`br sync` end to end on loopback with a 10,000-microstep plan, and the bytes it puts on the wire.

A real server (``br-server``'s app under uvicorn, embedded SQLite) holds the generated plan. Two workspaces are
linked to it with the real ``br`` console script and synced once (the first pull brings the whole plan). Then, for
each of ``--repeat`` rounds:

1. workspace A changes 1% of the microsteps by editing ``plan.json`` directly (as an editor would) and runs
   ``br sync``: pull (nothing new), merge, push of the delta — timed;
2. workspace B runs ``br sync``: pull of that change, merge — timed.

Target (issue 4): ``br sync`` of such a change ≤ 1.5 s, with ``python -c pass`` timed in the same run as the
baseline of starting a process. Every byte between ``br`` and the server passes through a counting TCP proxy in
this process, so "bytes sent" is what really crossed the socket (headers included); the target is that it grows
with the change, not with the plan: a 1% push of a 10.7 MB plan must send well under 1% of the plan's bytes.

Usage::

    uv run python bench/bench_sync.py [--microsteps N] [--repeat R] [--strict]

Results are printed and written to ``bench/results/sync.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from bench_server import KEY, ORG, seed, settings_env
from generate_plan import DEFAULT_MICROSTEPS, DEFAULT_SEED, encode, generate_plan
from server_load import start_server, stop_server

RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "sync.json"
SYNC_TARGET_S: Final = 1.5
PLAN_RELATIVE: Final = Path("buildrunner/specs/plan.json")


class CountingProxy:
    """A TCP proxy on 127.0.0.1 that forwards to ``target_port`` and counts the bytes in each direction."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.sent = 0  # client -> server
        self.received = 0  # server -> client
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def reset(self) -> tuple[int, int]:
        """The counts since the last reset."""
        with self._lock:
            counts = (self.sent, self.received)
            self.sent = self.received = 0
        return counts

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pipe, args=(client, upstream, "sent"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, "received"), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, counter: str) -> None:
        try:
            while chunk := source.recv(65536):
                with self._lock:
                    setattr(self, counter, getattr(self, counter) + len(chunk))
                sink.sendall(chunk)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Stop accepting."""
        self._listener.close()


def console_script() -> str:
    """The ``br`` of this environment."""
    script = Path(sys.executable).parent / "br"
    if not script.is_file():
        raise SystemExit(f"no br console script next to {sys.executable}: run `uv sync` first")
    return str(script)


def br(args: list[str], env: dict[str, str], *, expect: int = 0) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run ``br args``; return its wall time and the completed process (stop on an unexpected exit code)."""
    started = time.perf_counter()
    completed = subprocess.run([console_script(), *args], env=env, capture_output=True, text=True, check=False,
                               timeout=300)
    elapsed = time.perf_counter() - started
    if completed.returncode != expect:
        raise SystemExit(f"br {' '.join(args)}: exit {completed.returncode}\n{completed.stdout}\n{completed.stderr}")
    return elapsed, completed


def edit_one_percent(root: Path, round_number: int, rng: random.Random) -> set[str]:
    """Retitle and re-status 1% of the microsteps of the workspace's plan.json; return their ids."""
    path = root / PLAN_RELATIVE
    plan = json.loads(path.read_bytes())
    microsteps = [m for milestone in plan["milestones"] for step in milestone["steps"] for m in step["microsteps"]]
    chosen = rng.sample(microsteps, max(1, len(microsteps) // 100))
    for microstep in chosen:
        microstep["title"] = f"{microstep['title'].split(' [r')[0]} [r{round_number}]"
    path.write_text(json.dumps(plan, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return {m["id"] for m in chosen}


def titles(root: Path, ids: set[str]) -> dict[str, str]:
    """Titles of ``ids`` in the workspace's plan.json."""
    plan = json.loads((root / PLAN_RELATIVE).read_bytes())
    return {m["id"]: m["title"] for milestone in plan["milestones"] for step in milestone["steps"]
            for m in step["microsteps"] if m["id"] in ids}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 under ``--strict`` when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--microsteps", type=int, default=DEFAULT_MICROSTEPS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    plan_bytes = encode(generate_plan(args.microsteps, args.seed))
    with tempfile.TemporaryDirectory(prefix="br-bench-sync-") as tmp:
        data_dir = Path(tmp) / "server"
        data_dir.mkdir()
        env = settings_env(data_dir)
        creds = asyncio.run(seed(env, plan_bytes, scopes=("plan:read", "plan:write")))
        server = start_server("app", env)
        proxy = CountingProxy(int(server.url.rsplit(":", 1)[1]))
        url = f"http://127.0.0.1:{proxy.port}"
        cli_env = {**{k: v for k, v in os.environ.items() if not k.startswith(("BR_", "PYTHON"))},
                   "BR_CONFIG_DIR": str(Path(tmp) / "config")}
        try:
            result = run_rounds(args, tmp, url, creds, cli_env, proxy, len(plan_bytes))
        finally:
            proxy.close()
            stop_server(server)
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    RESULTS_PATH.write_text(json.dumps({
        "when": datetime.now(UTC).isoformat(), "python": sys.version, "machine": platform.platform(),
        "microsteps": args.microsteps, "seed": args.seed, **result,
    }, indent=2))
    missed = result["failed"]
    print(f"wrote {RESULTS_PATH}; {'missed: ' + ', '.join(missed) if missed else 'every target met'}")
    return 1 if result["failed"] and args.strict else 0


def run_rounds(args: argparse.Namespace, tmp: str, url: str, creds: dict[str, Any], env: dict[str, str],
               proxy: CountingProxy, plan_size: int) -> dict[str, Any]:
    """Link two workspaces, then time ``--repeat`` rounds of a 1% push (A) and its pull (B)."""
    br(["login", "--server", url, "--api-key", creds["api_key"]], env)
    roots = {name: Path(tmp) / name for name in ("a", "b")}
    first_pull: dict[str, Any] = {}
    for root in roots.values():
        root.mkdir()
        br(["init", "--root", str(root)], env)
        br(["link", KEY, "--server", url, "--org", ORG, "--root", str(root)], env)
        proxy.reset()
        seconds, _ = br(["sync", "--root", str(root)], env)
        sent, received = proxy.reset()
        first_pull = {"seconds": seconds, "bytes_sent": sent, "bytes_received": received}
    baseline = [br_time([sys.executable, "-c", "pass"]) for _ in range(args.repeat)]
    rng = random.Random(args.seed)
    push, pull = [], []
    for number in range(args.repeat):
        changed = edit_one_percent(roots["a"], number, rng)
        proxy.reset()
        seconds, _ = br(["sync", "--root", str(roots["a"])], env)
        sent, received = proxy.reset()
        push.append({"seconds": seconds, "bytes_sent": sent, "bytes_received": received})
        seconds, _ = br(["sync", "--root", str(roots["b"])], env)
        sent, received = proxy.reset()
        pull.append({"seconds": seconds, "bytes_sent": sent, "bytes_received": received})
        if titles(roots["b"], changed) != titles(roots["a"], changed):
            raise SystemExit(f"round {number + 1}: workspace B did not receive A's change")
    base_s = statistics.median(baseline)
    push_s = statistics.median(r["seconds"] for r in push)
    pull_s = statistics.median(r["seconds"] for r in pull)
    push_bytes = statistics.median(r["bytes_sent"] for r in push)
    pull_bytes = statistics.median(r["bytes_received"] for r in pull)
    checks = {"br sync push": push_s <= SYNC_TARGET_S, "br sync pull": pull_s <= SYNC_TARGET_S,
              "bytes sent": push_bytes < plan_size / 100}
    failed = [name for name, ok in checks.items() if not ok]
    print(f"plan.json: {plan_size:,} bytes; python -c pass: {base_s * 1000:.0f} ms")
    print(f"first sync (whole plan pulled): {first_pull['seconds']:.2f} s, {first_pull['bytes_received']:,} bytes in")
    print(f"br sync, push of a 1% change: {push_s:.2f} s ({push_s / base_s:.0f}x python -c pass; target ≤ 1.5 s), "
          f"{push_bytes:,.0f} bytes sent ({push_bytes / plan_size:.3%} of the plan)")
    print(f"br sync, pull of that change: {pull_s:.2f} s, {pull_bytes:,.0f} bytes received")
    return {"baseline_python_s": base_s, "first_sync": first_pull, "push": push, "pull": pull,
            "push_median_s": push_s, "pull_median_s": pull_s, "push_bytes_sent_median": push_bytes,
            "pull_bytes_received_median": pull_bytes, "plan_bytes": plan_size, "target_s": SYNC_TARGET_S,
            "failed": failed}


def br_time(command: list[str]) -> float:
    """Wall time of one process."""
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
