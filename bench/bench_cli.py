"""Wall time of `br` commands on a generated 10,000-microstep plan, against `python -c pass` in the same run.

Each command runs as a user runs it: the ``br`` console script that ``uv sync`` / ``pip install`` puts next to
the interpreter, started as a fresh process from a workspace directory. The baseline is the same interpreter
running ``python -c pass``, measured in the same run, so the ratio says what BuildRunner adds to the bare cost
of starting Python on this machine. After warm-ups (bytecode caches and the page cache filled), the runs are
interleaved: each repetition runs every command once, in a rotating order, so drift on a busy machine hits
every command alike. The figure is the median.

Before timing, every command is run once and checked (exit code and output), so the benchmark never times
an error message: the generated plan must lint clean, the planted findings must all be reported, and
``set-status`` must really change the file (the plan is restored, untimed, before each of its runs so that every
timed run is a real write).

Usage::

    uv run python bench/bench_cli.py [--microsteps N] [--repeat R] [--warmup W] [--seed S] [--strict]

Results are printed as a table and written to ``bench/results/cli.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from generate_plan import (
    DEFAULT_MICROSTEPS,
    DEFAULT_SEED,
    PLANTED_CODES,
    encode,
    generate_plan,
    sample_ids,
    with_findings,
)

RESULTS_PATH: Final = Path(__file__).resolve().parent / "results" / "cli.json"
MODULE_LIMIT: Final = 150
PLAN_RELATIVE: Final = Path("buildrunner/specs/plan.json")
FINDINGS_FILE: Final = "plan-with-findings.json"

# Runs the console script's code (`from buildrunner.cli import run; sys.exit(run())`) and, however it exits,
# writes the names in sys.modules to the file named by argv[1]. It imports nothing itself.
_MODULES_PROBE: Final = """\
import sys
_out, sys.argv = sys.argv[1], ["br", *sys.argv[2:]]
try:
    {body}
finally:
    with open(_out, "w") as _handle:
        _handle.write("\\n".join(sorted(sys.modules)))
"""


@dataclass
class Case:
    """One command to time and how to tell that it worked."""

    name: str
    command: list[str]
    target: float | None = None
    expect_rc: int = 0
    expect_stdout: str = ""
    restore_plan: bool = False
    samples: list[float] = field(default_factory=list)
    cpu_samples: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        """Median wall time in seconds."""
        return statistics.median(self.samples)


@dataclass
class Bench:
    """The workspace and interpreter every case runs with."""

    root: Path
    br: Path
    env: dict[str, str]
    plan_bytes: bytes

    def _prepare(self, case: Case) -> None:
        if case.restore_plan:  # untimed: every timed run of a write then really writes
            (self.root / PLAN_RELATIVE).write_bytes(self.plan_bytes)

    def run(self, case: Case) -> subprocess.CompletedProcess[bytes]:
        """Run ``case`` once, capturing its output."""
        self._prepare(case)
        return subprocess.run(case.command, cwd=self.root, env=self.env, capture_output=True, check=False)

    def time(self, case: Case) -> tuple[float, float]:
        """Run ``case`` once; return its wall time and the CPU time (user + system) of the process, in seconds.

        The CPU time comes from ``getrusage(RUSAGE_CHILDREN)``, which counts children once they are waited for;
        it is far less disturbed than wall time when other work shares the machine.
        """
        self._prepare(case)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        completed = subprocess.run(case.command, cwd=self.root, env=self.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, check=False)
        elapsed = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if completed.returncode != case.expect_rc:
            raise SystemExit(f"{case.name}: exit code {completed.returncode} during timing, "
                             f"expected {case.expect_rc}")
        return elapsed, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def console_script() -> Path:
    """The ``br`` console script of this interpreter's environment; it must start this very interpreter."""
    script = Path(sys.executable).parent / "br"
    if not script.is_file():
        raise SystemExit(f"no br console script next to {sys.executable}: run `uv sync`, then "
                         "`uv run python bench/bench_cli.py`")
    shebang = script.read_text().splitlines()[0].removeprefix("#!").strip()
    if Path(shebang) != Path(sys.executable):
        raise SystemExit(f"{script} starts {shebang}, not {sys.executable}: the comparison would not be fair")
    return script


def clean_env() -> dict[str, str]:
    """The environment without ``PYTHON*`` and ``BR_*`` variables, which could change what is measured."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "BR_"))}


def make_workspace(
    root: Path, br: Path, env: dict[str, str], microsteps: int, seed: int,
) -> tuple[bytes, dict[str, str]]:
    """``br init`` a workspace in ``root``, then put the generated plan and the findings variant in it."""
    subprocess.run([str(br), "init", "--root", str(root)], env=env, check=True, stdout=subprocess.DEVNULL)
    plan = generate_plan(microsteps, seed)
    plan_bytes = encode(plan)
    (root / PLAN_RELATIVE).write_bytes(plan_bytes)
    (root / FINDINGS_FILE).write_bytes(encode(with_findings(plan, seed)))
    return plan_bytes, sample_ids(plan)


def make_cases(br: Path, ids: dict[str, str], microsteps: int) -> list[Case]:
    """The baseline first, then every `br` command (targets from issue 2, "Speed")."""
    exe = str(br)
    return [
        Case("python -c pass", [sys.executable, "-c", "pass"]),
        Case("br --help", [exe, "--help"], target=0.12, expect_stdout="usage: br"),
        Case("br status", [exe, "status"], target=0.25, expect_stdout=f"/{microsteps} microsteps done"),
        Case("br lint", [exe, "lint"], target=0.35, expect_stdout="valid"),
        Case(f"br lint ({len(PLANTED_CODES)} findings)", [exe, "lint", FINDINGS_FILE], expect_rc=1,
             expect_stdout=f"{len(PLANTED_CODES)} findings"),
        Case("br next", [exe, "next"], target=0.30, expect_stdout="[in_progress]"),
        Case("br show ID", [exe, "show", ids["show"]], expect_stdout=ids["show"]),
        Case("br set-status ID in_progress", [exe, "set-status", ids["edit"], "in_progress"], restore_plan=True,
             expect_stdout=f"{ids['edit']}: in_progress"),
    ]


def verify(bench: Bench, cases: list[Case], edit_id: str) -> None:
    """Run each case once and stop with a clear message unless it did what it should."""
    for case in cases:
        completed = bench.run(case)
        stdout = completed.stdout.decode(errors="replace")
        if completed.returncode != case.expect_rc or case.expect_stdout not in stdout:
            raise SystemExit(f"{case.name}: exit code {completed.returncode} (expected {case.expect_rc}), "
                             f"expected {case.expect_stdout!r} in the output\n{stdout[-2000:]}"
                             f"{completed.stderr.decode(errors='replace')[-2000:]}")
    written = json.loads((bench.root / PLAN_RELATIVE).read_bytes())
    status = next(m.get("status") for ms in written["milestones"] for s in ms["steps"] for m in s["microsteps"]
                  if m["id"] == edit_id)
    if status != "in_progress":
        raise SystemExit(f"br set-status did not write the plan (status of {edit_id} is {status!r})")
    lint_json = bench.run(Case("lint json", [str(bench.br), "lint", FINDINGS_FILE, "--format", "json"]))
    codes = sorted(f["code"] for f in json.loads(lint_json.stdout)["findings"])
    if codes != sorted(PLANTED_CODES):
        raise SystemExit(f"br lint reported {codes} on the findings plan, expected {sorted(PLANTED_CODES)}")


def measure(bench: Bench, cases: list[Case], repeat: int, warmup: int) -> None:
    """Warm up, then time ``repeat`` interleaved rounds in a rotating order."""
    for case in cases:
        for _ in range(warmup):
            bench.time(case)
    for round_number in range(repeat):
        shift = round_number % len(cases)
        for case in cases[shift:] + cases[:shift]:
            wall, cpu = bench.time(case)
            case.samples.append(wall)
            case.cpu_samples.append(cpu)
        print(f"\r  round {round_number + 1}/{repeat}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def imported_modules(bench: Bench, body: str, *args: str) -> list[str]:
    """Names in ``sys.modules`` when a ``-c`` program running ``body`` exits."""
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as handle:
        out = Path(handle.name)
    try:
        subprocess.run([sys.executable, "-c", _MODULES_PROBE.format(body=body), str(out), *args], cwd=bench.root,
                       env=bench.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        return out.read_text().splitlines()
    finally:
        out.unlink()


def module_counts(bench: Bench) -> dict[str, Any]:
    """Modules loaded by `br --help` (the console script's code) and by ``python -c pass``."""
    baseline = imported_modules(bench, "pass")
    help_modules = imported_modules(bench, "from buildrunner.cli import run; sys.exit(run())", "--help")
    added: dict[str, int] = {}
    for name in sorted(set(help_modules) - set(baseline)):
        top = name.split(".", 1)[0]
        added[top] = added.get(top, 0) + 1
    return {
        "br --help": len(help_modules),
        "python -c pass": len(baseline),
        "limit": MODULE_LIMIT,
        "result": "PASS" if len(help_modules) <= MODULE_LIMIT else "FAIL",
        "added_by_top_level_package": dict(sorted(added.items(), key=lambda kv: -kv[1])),
    }


def case_result(case: Case, baseline: float) -> dict[str, Any]:
    """The JSON record of one case."""
    return {
        "name": case.name,
        "command": " ".join(Path(case.command[0]).name if i == 0 else part for i, part in enumerate(case.command)),
        "median_s": round(case.median, 4),
        "min_s": round(min(case.samples), 4),
        "max_s": round(max(case.samples), 4),
        "ratio_to_baseline": round(case.median / baseline, 1),
        "cpu_median_s": round(statistics.median(case.cpu_samples), 4),
        "target_s": case.target,
        "result": None if case.target is None else ("PASS" if case.median <= case.target else "FAIL"),
        "samples_s": [round(s, 4) for s in case.samples],
        "cpu_samples_s": [round(s, 4) for s in case.cpu_samples],
    }


def print_table(records: list[dict[str, Any]], modules: dict[str, Any]) -> None:
    """Print the figures as a fixed-width table."""
    header = f"{'benchmark':<30} {'median s':>9} {'min s':>7} {'cpu s':>7} {'× base':>7} {'target s':>9}  result"
    print(header)
    print("-" * len(header))
    for r in records:
        target = f"≤ {r['target_s']:.2f}" if r["target_s"] is not None else "—"
        print(f"{r['name']:<30} {r['median_s']:>9.3f} {r['min_s']:>7.3f} {r['cpu_median_s']:>7.3f} "
              f"{r['ratio_to_baseline']:>7.1f} {target:>9}  {r['result'] or ''}")
    print(f"{'modules after br --help':<30} {modules['br --help']:>9} {'':>7} {'':>7} {'':>7} "
          f"{'≤ ' + str(MODULE_LIMIT):>9}  {modules['result']}")
    print(f"{'modules after python -c pass':<30} {modules['python -c pass']:>9}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--microsteps", type=int, default=DEFAULT_MICROSTEPS, help="plan size (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=15, help="timed runs per command (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs per command first (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="plan generator seed (default %(default)s)")
    parser.add_argument("--output", type=Path, default=RESULTS_PATH, help="JSON results file (default %(default)s)")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.warmup < 0 or args.microsteps < 500:
        parser.error("--repeat must be ≥ 1, --warmup ≥ 0 and --microsteps ≥ 500")
    return args


def build_report(
    args: argparse.Namespace, records: list[dict[str, Any]], modules: dict[str, Any], *, br: Path,
    plan_bytes: int, ids: dict[str, str], load: tuple[float, float],
) -> dict[str, Any]:
    """Everything measured, with the machine and settings it was measured on, for ``results/cli.json``."""
    failed = [r["name"] for r in records if r["result"] == "FAIL"]
    if modules["result"] == "FAIL":
        failed.append("modules after br --help")
    return {
        "benchmark": "cli",
        "measured_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
        "machine": {"python": sys.version.split()[0], "implementation": platform.python_implementation(),
                    "platform": platform.platform(), "cpus": os.cpu_count(), "nice": os.nice(0),
                    "load_average_1m": {"before": round(load[0], 2), "after": round(load[1], 2)}},
        "settings": {"microsteps": args.microsteps, "seed": args.seed, "repeat": args.repeat, "warmup": args.warmup,
                     "plan_bytes": plan_bytes, "runner": f"console script {br}", "interpreter": sys.executable,
                     "ids": ids},
        "baseline": records[0],
        "commands": records[1:],
        "modules": modules,
        "failed": failed,
    }


def main(argv: list[str] | None = None) -> int:
    """Generate the plans, check every command, time them and report."""
    args = parse_args(argv)
    br, env = console_script(), clean_env()
    with tempfile.TemporaryDirectory(prefix="br-bench-") as tmp:
        root = Path(tmp)
        plan_bytes, ids = make_workspace(root, br, env, args.microsteps, args.seed)
        bench = Bench(root=root, br=br, env=env, plan_bytes=plan_bytes)
        cases = make_cases(br, ids, args.microsteps)
        print(f"plan: {args.microsteps} microsteps, {len(plan_bytes) / 1e6:.1f} MB; checking every command",
              file=sys.stderr)
        verify(bench, cases, ids["edit"])
        load_before = os.getloadavg()[0]
        measure(bench, cases, args.repeat, args.warmup)
        load_after = os.getloadavg()[0]
        modules = module_counts(bench)
    records = [case_result(case, cases[0].median) for case in cases]
    print_table(records, modules)
    report = build_report(args, records, modules, br=br, plan_bytes=len(plan_bytes), ids=ids,
                          load=(load_before, load_after))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    failed = report["failed"]
    cpus = os.cpu_count() or 1
    print(f"\nload average (1 min) {load_before:.2f} before, {load_after:.2f} after, on {cpus} CPUs")
    if max(load_before, load_after) > cpus / 2 + 1:  # the bench itself keeps about one CPU busy
        print("warning: other work was running: wall times are inflated; the cpu column and the ratios are steadier")
    print(f"wrote {args.output}; " + (f"missed: {', '.join(failed)}" if failed else "every target met"))
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
