"""Server benchmarks on a generated 10,000-microstep plan, each against a baseline measured in the same run.

1. **Server time** of the plan page ``/p/{key}`` and of ``GET /api/v1/projects/{key}/plan``: the median over
   ``--repeat`` requests sent in process through ``httpx.AsyncClient(transport=ASGITransport(app))``, so the figure
   is the application's own time (routing, auth, database, rendering, the whole body) with no socket in between.
   The baseline is a bare Litestar route answering a small JSON list through the same client. Target: plan
   page ≤ 300 ms.
2. **Requests per second** of ``GET /api/v1/projects`` (with an API key) against a bare Litestar route returning a
   small JSON list of the same shape. Each app is served by its own uvicorn process on 127.0.0.1 (same uvicorn
   settings, access log off for both) and loaded with ``wrk`` (one thread, 16 connections, ``--seconds`` per
   round) when it is installed, otherwise by an httpx load loop (16 concurrent workers, ``--requests`` per round).
   Rounds alternate between the two servers so drift on a busy machine hits both alike; the figure is the median
   round. Target: API at least 0.5 times the bare route's rate.

The data is seeded through the services into embedded SQLite in a temporary ``BR_DATA_DIR``: organization
``bench``, project ``WEB`` holding the plan from ``generate_plan.py``, a PM signed in for the page, an API key
(``plan:read``) for the API. Every request is checked (status and body) once before any timing. All traffic is
on loopback and bounded in count and time.

Usage::

    uv run python bench/bench_server.py [--microsteps N] [--repeat R] [--rounds K] [--seconds S] [--strict]

Results are printed as a table and written to ``bench/results/server.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from generate_plan import DEFAULT_MICROSTEPS, DEFAULT_SEED, encode, generate_plan, sample_ids
from server_load import Load, LoadResult, run_load, serve_main, start_server, stop_server, warm_up

RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "server.json"
PAGE_TARGET_S: Final = 0.300
RPS_RATIO_TARGET: Final = 0.5
ORG: Final = "bench"
KEY: Final = "WEB"
EMAIL: Final = "pm@bench.example"
PASSWORD: Final = "bench-password-0123456789"  # a throw-away account in a temporary database


def settings_env(data_dir: Path) -> dict[str, str]:
    """The ``BR_*`` settings of the benchmarked server (embedded SQLite in ``data_dir``)."""
    return {"BR_DATA_DIR": str(data_dir), "BR_SECRET_KEY": secrets.token_hex(32), "BR_BASE_URL": "http://127.0.0.1"}


async def seed(env: dict[str, str], plan_bytes: bytes, scopes: tuple[str, ...] = ("plan:read",)) -> dict[str, Any]:
    """Migrate, then create the organization, the project with the plan, a session and an API key with ``scopes``.

    Returns the credentials and how long storing the plan took (it is materialized for queries).
    """
    from sqlalchemy.ext.asyncio import async_sessionmaker  # noqa: PLC0415

    from app.db import migrate  # noqa: PLC0415
    from app.db.config import create_engine  # noqa: PLC0415
    from app.domain.accounts.services import (  # noqa: PLC0415
        AccountService,
        ApiKeyService,
        SessionService,
        principal_for,
    )
    from app.domain.mail.services import MailService  # noqa: PLC0415
    from app.domain.orgs.services import OrgService  # noqa: PLC0415
    from app.domain.projects.services import PlanService, ProjectService  # noqa: PLC0415
    from app.server.settings import Settings  # noqa: PLC0415

    url = Settings.from_env(env).database_url
    await asyncio.to_thread(migrate.upgrade, url)
    engine = create_engine(url, pooled=False)
    try:
        async with async_sessionmaker(engine, expire_on_commit=False)() as db:
            user = await AccountService(db, MailService(db)).create_user(EMAIL, PASSWORD, "Bench PM", verified=True)
            await db.commit()
            pm = principal_for(user)
            org = await OrgService(db).create(pm, ORG, "Bench Inc.")
            await ProjectService(db).create(pm, ORG, KEY, "Acme Webapp", "The benchmark project.")
            started = time.perf_counter()
            revision = await PlanService(db).save(pm, KEY, plan_bytes, expected_revision=0, message="bench", org=ORG)
            store_s = time.perf_counter() - started
            _principal, session = await SessionService(db).login(EMAIL, PASSWORD, "bench")
            key = await ApiKeyService(db).create(user.id, name="bench", scopes=list(scopes),
                                                 organization_id=org.id)
            await db.commit()
    finally:
        await engine.dispose()
    return {"session": session, "api_key": key.secret, "revision": revision.number, "store_plan_s": store_s}


def bare_app() -> Any:
    """The baseline: a Litestar app with one route answering a small JSON list, no middleware, no database."""
    from litestar import Litestar, get  # noqa: PLC0415

    projects = [{"key": KEY, "name": "Acme Webapp", "organization": ORG, "description": "The benchmark project.",
                 "counts": {"todo": 10, "in_progress": 2, "blocked": 1, "review": 1, "done": 6}, "total": 20}]

    @get("/bare", sync_to_thread=False)
    def bare() -> list[dict[str, Any]]:
        return projects

    return Litestar(route_handlers=[bare], openapi_config=None, logging_config=None)


def real_app(env: dict[str, str]) -> Any:
    """The BuildRunner app exactly as ``br-server run`` builds it, for the settings in ``env``."""
    from app.server.app import create_app  # noqa: PLC0415
    from app.server.settings import Settings  # noqa: PLC0415

    return create_app(Settings.from_env(env))


def has_plan_page(app: Any) -> bool:
    """Whether the app has the plan page route ``/p/{key}``."""
    return any(route.path.startswith("/p/{") and route.path.count("/") == 2 for route in app.routes)


async def server_times(env: dict[str, str], creds: dict[str, Any], plan_bytes: bytes, repeat: int,
                       warmup: int) -> dict[str, Any]:
    """Median in-process server time of the plan page, ``GET .../plan`` and the bare route."""
    import httpx  # noqa: PLC0415

    app, bare = real_app(env), bare_app()
    bearer = {"Authorization": f"Bearer {creds['api_key']}"}
    cases: list[tuple[str, Any, str, dict[str, str], dict[str, str], Any]] = [
        ("bare route (baseline)", bare, "/bare", {}, {}, None),
        (f"GET /api/v1/projects/{KEY}/plan", app, f"/api/v1/projects/{KEY}/plan", bearer, {}, None),
    ]
    page_present = has_plan_page(app)
    if page_present:
        cases.append((f"plan page /p/{KEY}", app, f"/p/{KEY}", {}, {"br_session": creds["session"]},
                      PAGE_TARGET_S))
    results: dict[str, Any] = {"plan_page_route": page_present, "cases": []}
    async with app.lifespan(), bare.lifespan():
        clients = {id(target): httpx.AsyncClient(transport=httpx.ASGITransport(app=target), base_url="http://bench")
                   for target in (app, bare)}
        try:
            for name, target, path, headers, cookies, target_s in cases:
                client = clients[id(target)]
                client.cookies.clear()
                client.cookies.update(cookies)
                check(name, await client.get(path, headers=headers), plan_bytes)
                samples, cpu_samples = [], []
                for run in range(warmup + repeat):
                    started, cpu_started = time.perf_counter(), time.process_time()
                    response = await client.get(path, headers=headers)
                    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
                    if response.status_code != 200:
                        raise SystemExit(f"{name}: HTTP {response.status_code} during timing")
                    if run >= warmup:
                        samples.append(elapsed)
                        cpu_samples.append(cpu)
                record = timing_record(name, path, samples, target_s, len(response.content))
                record["cpu_median_s"] = round(statistics.median(cpu_samples), 4)
                results["cases"].append(record)
                print(f"  {name}: done", file=sys.stderr)
        finally:
            for client in clients.values():
                await client.aclose()
    return results


def check(name: str, response: Any, plan_bytes: bytes) -> None:
    """Stop unless ``response`` is a 200 with the expected body, so an error page is never timed."""
    if response.status_code != 200:
        raise SystemExit(f"{name}: HTTP {response.status_code}, expected 200:\n{response.text[:2000]}")
    if name.startswith("GET /api") and json.loads(response.content) != json.loads(plan_bytes):
        raise SystemExit(f"{name}: the body is not the stored plan")
    if name.startswith("plan page") and "<main" not in response.text:
        raise SystemExit(f"{name}: the answer is not an HTML page")


def timing_record(name: str, path: str, samples: list[float], target_s: float | None, size: int) -> dict[str, Any]:
    """The JSON record of one timed request."""
    ordered = sorted(samples)
    median = statistics.median(ordered)
    return {
        "name": name, "path": path, "median_s": round(median, 4), "min_s": round(ordered[0], 4),
        "p90_s": round(ordered[int(0.9 * (len(ordered) - 1))], 4), "max_s": round(ordered[-1], 4),
        "response_bytes": size, "target_s": target_s,
        "result": None if target_s is None else ("PASS" if median <= target_s else "FAIL"),
        "samples_s": [round(s, 4) for s in samples],
    }


def throughput(env: dict[str, str], creds: dict[str, Any], load: Load) -> dict[str, Any]:
    """Requests/second of ``GET /api/v1/projects`` and of the bare route, alternating rounds on loopback."""
    servers = {"api": start_server("app", env), "bare": start_server("bare", env)}
    try:
        targets = {
            "api": (f"{servers['api'].url}/api/v1/projects", {"Authorization": f"Bearer {creds['api_key']}"}),
            "bare": (f"{servers['bare'].url}/bare", {}),
        }
        for url, headers in targets.values():
            warm_up(url, headers)
        rounds: dict[str, list[LoadResult]] = {"api": [], "bare": []}
        for number in range(load.rounds):
            order = ("bare", "api") if number % 2 == 0 else ("api", "bare")
            for name in order:
                url, headers = targets[name]
                rounds[name].append(run_load(url, headers, load))
            print(f"\r  round {number + 1}/{load.rounds}", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
    finally:
        for server in servers.values():
            stop_server(server)
    api, bare = (summarize(rounds[name]) for name in ("api", "bare"))
    ratio = api["rps_median"] / bare["rps_median"]
    return {
        "load_generator": load.describe(), "api": api, "bare": bare, "ratio": round(ratio, 3),
        "target_ratio": RPS_RATIO_TARGET, "result": "PASS" if ratio >= RPS_RATIO_TARGET else "FAIL",
    }


def summarize(results: list[LoadResult]) -> dict[str, Any]:
    """Median requests/second (and latency) over the rounds of one target."""
    return {
        "url_path": results[0].path, "rps_median": round(statistics.median(r.rps for r in results), 1),
        "rps_rounds": [round(r.rps, 1) for r in results], "requests": sum(r.requests for r in results),
        "latency_p50_ms": round(statistics.median(r.latency_p50_ms for r in results), 2),
        "errors": sum(r.errors for r in results),
    }


def print_table(times: dict[str, Any], rps: dict[str, Any]) -> None:
    """Print the figures as a fixed-width table."""
    header = f"{'benchmark':<34} {'median':>10} {'p90':>10} {'min':>10} {'cpu':>10} {'target':>12}  result"
    print(header)
    print("-" * len(header))
    for r in times["cases"]:
        target = f"≤ {r['target_s'] * 1000:.0f} ms" if r["target_s"] is not None else "—"
        print(f"{r['name']:<34} {r['median_s'] * 1000:>7.1f} ms {r['p90_s'] * 1000:>7.1f} ms "
              f"{r['min_s'] * 1000:>7.1f} ms {r['cpu_median_s'] * 1000:>7.1f} ms {target:>12}  {r['result'] or ''}")
    if not times["plan_page_route"]:
        print(f"{f'plan page /p/{KEY}':<34} {'no route':>10} {'':>43} {'≤ 300 ms':>12}  MISSING")
    for name, label in (("bare", "bare route rps (baseline)"), ("api", "GET /api/v1/projects rps")):
        print(f"{label:<34} {rps[name]['rps_median']:>10.0f}")
    print(f"{'API rps / bare rps':<34} {rps['ratio']:>10.2f} {'':>32} "
          f"{'≥ ' + str(RPS_RATIO_TARGET) + '×':>12}  {rps['result']}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--microsteps", type=int, default=DEFAULT_MICROSTEPS, help="plan size (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="plan generator seed (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page first (default %(default)s)")
    parser.add_argument("--rounds", type=int, default=5, help="load rounds per server (default %(default)s)")
    parser.add_argument("--seconds", type=float, default=4.0, help="wrk: seconds per round (default %(default)s)")
    parser.add_argument("--requests", type=int, default=3000,
                        help="httpx loader: requests per round (default %(default)s)")
    parser.add_argument("--concurrency", type=int, default=16, help="open connections (default %(default)s)")
    parser.add_argument("--loader", choices=("auto", "wrk", "httpx"), default="auto",
                        help="load generator; auto uses wrk when installed (default %(default)s)")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON results file (default %(default)s)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed or a page is missing")
    args = parser.parse_args(argv)
    if min(args.repeat, args.rounds, args.requests, args.concurrency) < 1 or args.warmup < 0 or args.seconds <= 0:
        parser.error("--repeat, --rounds, --requests and --concurrency must be ≥ 1, --warmup ≥ 0, --seconds > 0")
    if not 1 <= args.seconds <= 30 or args.requests > 100_000 or args.concurrency > 64:
        parser.error("keep the load bounded: --seconds 1..30, --requests ≤ 100000, --concurrency ≤ 64")
    if args.loader == "wrk" and shutil.which("wrk") is None:
        parser.error("wrk is not installed (`sudo apt-get install wrk`); use --loader httpx")
    return args


def main(argv: list[str] | None = None) -> int:
    """Seed, check, time and report."""
    args = parse_args(argv)
    load = Load(tool="wrk" if args.loader == "wrk" or (args.loader == "auto" and shutil.which("wrk")) else "httpx",
                rounds=args.rounds, seconds=args.seconds, requests=args.requests, concurrency=args.concurrency)
    plan = generate_plan(args.microsteps, args.seed)
    plan_bytes = encode(plan)
    with tempfile.TemporaryDirectory(prefix="br-bench-server-") as tmp:
        env = settings_env(Path(tmp))
        print(f"plan: {args.microsteps} microsteps, {len(plan_bytes) / 1e6:.1f} MB; seeding SQLite", file=sys.stderr)
        creds = asyncio.run(seed(env, plan_bytes))
        print(f"stored the plan in {creds['store_plan_s']:.1f} s; timing in process", file=sys.stderr)
        load_before = os.getloadavg()
        times = asyncio.run(server_times(env, creds, plan_bytes, args.repeat, args.warmup))
        print(f"loading over loopback with {load.describe()}", file=sys.stderr)
        rps = throughput(env, creds, load)
        load_after = os.getloadavg()
    print_table(times, rps)
    failed = [r["name"] for r in times["cases"] if r["result"] == "FAIL"]
    failed += [] if times["plan_page_route"] else [f"plan page /p/{KEY} (no such route)"]
    failed += [] if rps["result"] == "PASS" else ["API rps ratio"]
    report = {
        "benchmark": "server",
        "measured_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average_1m": {"before": round(load_before[0], 2), "after": round(load_after[0], 2)}},
        "settings": {"microsteps": args.microsteps, "seed": args.seed, "plan_bytes": len(plan_bytes),
                     "repeat": args.repeat, "warmup": args.warmup, "database": "embedded SQLite",
                     "store_plan_s": round(creds["store_plan_s"], 2), "ids": sample_ids(plan),
                     "server_time_client": "httpx.AsyncClient(transport=ASGITransport(app)), in process"},
        "server_time": times,
        "throughput": rps,
        "failed": failed,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"\nload average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs")
    print(f"wrote {args.output}" + (f"; missed: {', '.join(failed)}" if failed else "; every target met"))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["_serve"]:  # the uvicorn child processes of the throughput benchmark
        sys.exit(serve_main(sys.argv[2:], {"app": real_app, "bare": lambda _env: bare_app()}))
    sys.exit(main())
