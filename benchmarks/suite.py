"""The whole benchmark suite in one command, at a chosen scale, with one results table.

    .venv/bin/python -m benchmarks.suite [--scale 0.01] [--only helpdesk,rescore]
        [--out results.json] [--compare previous.json] [--markdown] [--with-lifetimes]

`--scale 1` is the size the targets speak of: 100,000 accounts, 1,000,000 tickets, 10,000,000
usage events (and 1,000,000 contacts, 1,000,000 CLV customers, 50,000 articles). Smaller scales
shrink every data set in proportion, down to a floor that keeps each measurement meaningful, so
`--scale 0.01` checks the whole suite in minutes and `--scale 1` takes about an hour.

Each scenario is one of the benchmark modules in this folder, run as a child process with its
arguments derived from the scale. Each generates its own data from a fixed seed, measures
cxhub and a baseline in the same run (raw SQLite/DuckDB for storage paths, a bare Starlette
endpoint for HTTP paths, `lifetimes` for CLV), and records its figures through
`benchmarks.results`. The suite prints one table (throughput, p50/p99, seconds, peak memory,
the baseline and the ratio, the target and whether it is met), writes every figure as JSON
(`--out`), and with `--compare` shows each figure's change against an earlier results file and
flags regressions. A scenario that fails is reported with the end of its log; the others go on,
and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.results import RESULTS_ENV, read_results

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
LIFETIMES_VENV = Path(tempfile.gettempdir()) / "lifetimes-venv"
REGRESSION_SHARE = 0.15  # a figure 15 % worse than the compared run is flagged


@dataclass(frozen=True)
class Scenario:
    """One benchmark module and how the scale becomes its arguments."""

    name: str
    module: str
    arguments: Callable[[float], list[str]]
    what: str
    needs_postgres: bool = False
    needs_data: bool = False


def _n(scale: float, full: int, floor: int) -> str:
    return str(max(floor, int(full * scale)))


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "helpdesk",
        "benchmarks.bench_helpdesk",
        lambda s: ["--tickets", _n(s, 1_000_000, 5_000), "--runs", "100", "--dashboard-runs", "10"],
        "inbox views, ticket search, 90-day dashboard: service, HTTP, raw SQL, bare HTTP",
    ),
    Scenario(
        "customer_record",
        "benchmarks.bench_customer_record",
        lambda s: ["--contacts", _n(s, 1_000_000, 10_000), "--runs", "100", "--warmup", "10"],
        "contact search and timeline: service, HTTP, raw SQL",
    ),
    Scenario(
        "mixed_traffic",
        "benchmarks.bench_mixed_traffic",
        lambda s: [
            "--seconds",
            "30",
            "--tickets",
            _n(s, 2_000, 300),
            "--contacts",
            _n(s, 2_000, 300),
            "--workers",  # the target's machine: 2 cores, one web worker per core
            "2",
        ],
        "agent + ingestion traffic against `cxhub serve` (2 workers) from a second process vs "
        "bare Starlette",
    ),
    Scenario(
        "mixed_traffic_production",
        "benchmarks.bench_mixed_traffic",
        lambda s: [
            "--seconds",
            "30",
            "--tickets",
            _n(s, 2_000, 300),
            "--contacts",
            _n(s, 2_000, 300),
            "--db",
            "postgres",
            "--jobs",
            "redis",
            "--workers",
            "1,4",
        ],
        "the same on PostgreSQL + Redis queue, 1 and 4 web workers (scaling factor)",
        needs_postgres=True,
    ),
    Scenario(
        "tracking",
        "benchmarks.bench_tracking",
        lambda s: ["--events", _n(s, 1_000_000, 20_000)],
        "`/v1/batch` ingestion over HTTP vs a bare Starlette endpoint",
    ),
    Scenario(
        "event_import",
        "benchmarks.bench_event_import",
        lambda s: ["--events", _n(s, 10_000_000, 200_000), "--formats", "ndjson"],
        "bulk import of event files vs bare DuckDB COPY",
    ),
    Scenario(
        "deletes",
        "benchmarks.bench_deletes",
        lambda s: ["--tickets", _n(s, 1_000_000, 5_000), "--deletes", "10"],
        "erasure and deletes of referenced rows vs the same database at revision 0033",
    ),
    Scenario(
        "mail_intake",
        "benchmarks.bench_mail_intake",
        lambda s: ["--mails", _n(s, 2_000, 500)],
        "e-mail over real SMTP into tickets vs an append-only receiver",
    ),
    Scenario(
        "rescore",
        "benchmarks.bench_rescore",
        lambda s: ["--accounts", _n(s, 100_000, 2_000), "--events", _n(s, 10_000_000, 200_000)],
        "daily health rescore + churn scoring vs a bare DuckDB aggregation",
    ),
    Scenario(
        "under_traffic",
        "benchmarks.bench_under_traffic",
        lambda s: [
            "--accounts",
            _n(s, 100_000, 2_000),
            "--events",
            _n(s, 10_000_000, 200_000),
            "--ingest-events",
            _n(s, 100_000, 20_000),
            "--import-events",
            _n(s, 2_000_000, 200_000),
            "--traffic-seconds",
            "20",
        ],
        "ingestion, bulk import and rescore alone and under open-loop agent traffic (one SQLite)",
    ),
    Scenario(
        "analytics_engine",
        "benchmarks.bench_analytics_engine",
        lambda s: [
            "--accounts",
            _n(s, 100_000, 2_000),
            "--events",
            _n(s, 10_000_000, 200_000),
            "--runs",
            "5",
            "--rounds",
            "2",
        ],
        "usage metrics through Ibis on DuckDB vs raw DuckDB SQL",
    ),
    Scenario(
        "clv",
        "benchmarks.bench_clv",
        lambda s: ["--customers", _n(s, 1_000_000, 20_000)],
        "BG/NBD + Gamma-Gamma fit and scoring vs `lifetimes`",
    ),
    Scenario(
        "knowledge_search",
        "benchmarks.bench_knowledge_search",
        lambda s: ["--articles", _n(s, 50_000, 2_000), "--queries", "200"],
        "help-center search over articles in four languages",
    ),
    Scenario(
        "journeys",
        "benchmarks.bench_journeys",
        lambda s: [
            "--contacts",
            _n(s, 1_000_000, 20_000),
            "--touchpoints",
            _n(s, 20_000_000, 400_000),
            "--runs",
            "3",
        ],
        "journey funnel + touchpoint paths through Ibis on DuckDB vs raw DuckDB SQL",
    ),
    Scenario(
        "topics",
        "benchmarks.bench_topics",
        lambda s: ["--data", str(DATA_DIR), "--tickets", _n(s, 100_000, 5_000)],
        "topic discovery over ticket texts vs scikit-learn TF-IDF + KMeans",
        needs_data=True,
    ),
    Scenario(
        "text_analytics",
        "benchmarks.bench_text_analytics",
        lambda s: ["--data", str(DATA_DIR), "--texts", "2000"],
        "language + sentiment + topics per CPU-second",
        needs_data=True,
    ),
)


def _postgres_available() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/test", connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def ensure_lifetimes() -> Path:
    """A separate virtualenv with `lifetimes` (it needs old pandas/SciPy/NumPy, so it cannot
    share the project's environment); made once, from the package registry."""
    python = LIFETIMES_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LIFETIMES_VENV)], check=True)  # noqa: S603
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                str(python),
                "-m",
                "pip",
                "install",
                "-q",
                "lifetimes",
                "pandas<2",
                "scipy<1.12",
                "numpy<1.25",
            ],
            check=True,
        )
    return python


@dataclass
class Outcome:
    scenario: str
    status: str  # "ok", "failed", "skipped"
    seconds: float
    figures: list[dict[str, Any]]
    note: str = ""


def run_scenario(
    scenario: Scenario, scale: float, logs: Path, timeout: float, extra: Sequence[str] = ()
) -> Outcome:
    if scenario.needs_postgres and not _postgres_available():
        return Outcome(scenario.name, "skipped", 0.0, [], "PostgreSQL not reachable")
    if scenario.needs_data and not DATA_DIR.exists():
        return Outcome(scenario.name, "skipped", 0.0, [], f"{DATA_DIR} not found")
    results = logs / f"{scenario.name}.jsonl"
    results.unlink(missing_ok=True)
    log = logs / f"{scenario.name}.log"
    command = [sys.executable, "-m", scenario.module, *scenario.arguments(scale), *extra]
    env = {**os.environ, RESULTS_ENV: str(results)}
    print(f"-- {scenario.name}: {' '.join(command[2:])}", flush=True)
    started = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        try:
            done = subprocess.run(  # noqa: S603 - our own benchmark modules
                command, stdout=out, stderr=subprocess.STDOUT, env=env, timeout=timeout,
                check=False, cwd=Path(__file__).resolve().parents[1],
            )  # fmt: skip
            code: int | str = done.returncode
        except subprocess.TimeoutExpired:
            code = f"timeout after {timeout:.0f} s"
    seconds = time.perf_counter() - started
    figures = read_results(results) if results.exists() else []
    for figure in figures:
        figure.setdefault("benchmark", scenario.name)
    if code != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-8:]
        return Outcome(
            scenario.name, "failed", seconds, figures, f"exit {code}: " + " | ".join(tail)
        )
    note = "" if figures else "ran, but recorded no figures (see its log)"
    return Outcome(scenario.name, "ok", seconds, figures, note)


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def ratio(figure: dict[str, Any]) -> str:
    """Ours against the baseline: throughput as a fraction of the baseline's, else time."""
    if figure.get("throughput") and figure.get("baseline_throughput"):
        return f"{figure['throughput'] / figure['baseline_throughput']:.2f}x tput"
    if figure.get("seconds") and figure.get("baseline_seconds"):
        return f"{figure['seconds'] / figure['baseline_seconds']:.2f}x time"
    return "-"


def compare(figure: dict[str, Any], previous: dict[str, dict[str, Any]]) -> str:
    """Change against the same scenario of an earlier run; `REGRESSION` when it got worse by
    more than `REGRESSION_SHARE` in throughput, p99 or seconds."""
    before = previous.get(figure["scenario"])
    if before is None:
        return "new"
    changes: list[str] = []
    worse = False
    for key, higher_is_better in (("throughput", True), ("p99_ms", False), ("seconds", False)):
        now, then = figure.get(key), before.get(key)
        if not now or not then:
            continue
        change = now / then - 1
        changes.append(f"{key.removesuffix('_ms')} {change:+.0%}")
        if (-change if higher_is_better else change) > REGRESSION_SHARE:
            worse = True
    return ("REGRESSION " if worse else "") + ", ".join(changes)


def render(outcomes: Sequence[Outcome], previous: dict[str, dict[str, Any]] | None) -> str:
    header = ["scenario", "throughput /s", "p50 ms", "p99 ms", "s", "peak MB", "baseline",
              "base /s", "base p99", "vs base", "target", "met"]  # fmt: skip
    if previous is not None:
        header.append("vs previous")
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for outcome in outcomes:
        if not outcome.figures:
            cells = [outcome.scenario, outcome.status + ": " + outcome.note[:160]]
            lines.append("| " + " | ".join(cells + [""] * (len(header) - 2)) + " |")
            continue
        for f in outcome.figures:
            met = f.get("target_met")
            cells = [
                f["scenario"],
                f"{_fmt(f.get('throughput'), 0)} {f.get('unit', '')}".strip(),
                _fmt(f.get("p50_ms")),
                _fmt(f.get("p99_ms")),
                _fmt(f.get("seconds"), 2),
                _fmt(f.get("peak_mb"), 0),
                f.get("baseline_name", "-"),
                _fmt(f.get("baseline_throughput"), 0),
                _fmt(f.get("baseline_p99_ms")),
                ratio(f),
                f.get("target", "-"),
                "-" if met is None else ("yes" if met else "**no**"),
            ]
            if previous is not None:
                cells.append(compare(f, previous))
            lines.append("| " + " | ".join(cells) + " |")
        if outcome.status != "ok":
            lines.append(f"| {outcome.scenario} | {outcome.status}: {outcome.note[:160]} |")
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--scale", type=float, default=0.01, help="1 = 100k accounts, 1M "
                        "tickets, 10M events (the targets' size)")  # fmt: skip
    parser.add_argument("--only", help="comma-separated scenario names (default: all)")
    parser.add_argument("--skip", help="comma-separated scenario names to leave out")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    parser.add_argument("--out", type=Path, help="write every figure here as JSON")
    parser.add_argument("--compare", type=Path, help="an earlier --out file to compare with")
    parser.add_argument("--logs", type=Path, help="folder for each scenario's full output")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per scenario")
    parser.add_argument("--with-lifetimes", action="store_true",
                        help=f"create {LIFETIMES_VENV} with `lifetimes` for the CLV baseline")  # fmt: skip
    args = parser.parse_args(argv)
    if args.scale <= 0:
        parser.error("--scale must be positive")
    names = [s.name for s in SCENARIOS]
    if args.list:
        for s in SCENARIOS:
            print(f"{s.name:<26} {' '.join(s.arguments(args.scale))}\n{'':<26} {s.what}")
        return 0
    chosen = args.only.split(",") if args.only else names
    skipped = set(args.skip.split(",")) if args.skip else set()
    unknown = [n for n in [*chosen, *skipped] if n not in names]
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(unknown)}; known: {', '.join(names)}")
    previous = None
    if args.compare:
        if not args.compare.exists():
            parser.error(f"--compare: {args.compare} does not exist")
        previous = {f["scenario"]: f for f in read_results(args.compare)}
    extra: dict[str, list[str]] = {}
    if args.with_lifetimes:
        extra["clv"] = ["--lifetimes-python", str(ensure_lifetimes())]
    logs = args.logs or Path(tempfile.mkdtemp(prefix="cxhub-bench-suite-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"scale {args.scale:g}; logs in {logs}; {machine()}", flush=True)
    started = time.perf_counter()
    outcomes = [
        run_scenario(s, args.scale, logs, args.timeout, extra.get(s.name, ()))
        for s in SCENARIOS
        if s.name in chosen and s.name not in skipped
    ]
    table = render(outcomes, previous)
    print("\n" + table)
    elapsed = time.perf_counter() - started
    print(f"\nsuite wall time {elapsed:.0f} s; load average {os.getloadavg()[0]:.2f}")
    if args.out:
        summary = {
            "scale": args.scale,
            "machine": machine(),
            "wall_seconds": round(elapsed),
            "outcomes": [
                {
                    "scenario": o.scenario,
                    "status": o.status,
                    "seconds": round(o.seconds, 1),
                    "note": o.note,
                }
                for o in outcomes
            ],
            "figures": [f for o in outcomes for f in o.figures],
        }
        args.out.write_text(json.dumps(summary, indent=2))
        print(f"figures written to {args.out}")
    return 1 if any(o.status == "failed" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
