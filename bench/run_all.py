"""``make bench``: every benchmark under bench/, one table.

Each benchmark runs as its own subprocess with its own time limit (and within an
overall deadline), its output going to the terminal as it runs. One Kafka broker
serves them all: ``KAFKA_BOOTSTRAP_SERVERS`` when set (each benchmark uses fresh
topics), else a local broker on a free port started here. Afterwards the JSON
results in bench/results/ written by this run are turned into one table
(bench/report.py), printed, and written to bench/RESULTS.md with the date, the
machine and the total time. A failed benchmark gets a ``failed: <reason>`` row, the
others still run, and the exit status is 1.

    .venv/bin/python bench/run_all.py [--only e2e capacity] [--deadline 840]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.report import Bench, document, rows_for, text_table  # noqa: E402
from bench.stack import broker  # noqa: E402

RESULTS = REPO / "bench" / "results"
PY = ".venv/bin/python"
BENCHES = [
    Bench("intake", f"{PY} bench/intake/run.py --seconds 12 --rounds 4", "intake.json", 240),
    Bench("scoring", f"{PY} bench/scoring/run.py -n 30000", "scoring.json", 240),
    Bench("e2e", f"{PY} bench/e2e/run.py --seconds 60 --rate 5", "e2e.json", 240),
    Bench(
        "clustering",
        f"{PY} bench/clustering/scale.py --sizes 10000 100000",
        "clustering_scale.json",
        360,
    ),
    Bench(
        "capacity",
        f"{PY} bench/capacity/run.py --budget {{budget}}",
        "capacity.json",
        limit_s=420,
        budget_s=330,
    ),
]
NOTES = """\
Every figure comes from the command in its row, run by `make bench` (bench/run_all.py)
one after the other on one shared local Kafka broker; the full JSON of each is in
bench/results/. Ratios compare against a bare baseline on the same machine in the same run.

How each is made:
- intake: a bare Flask endpoint and intake under the same gunicorn settings, driven in
  alternating rounds by 64 kiosks on keep-alive connections; every intake answer must be
  "accepted" (acknowledged by Kafka, acks=all) and the topic must hold that many records.
- scoring: N generated responses on a fresh topic; a bare kafka-python consumer reads them,
  then a real `thuocdo-scoring consume` decodes, classifies comments, aggregates and commits
  them to SQLite (timed until the store counts all N).
- e2e: intake, scoring (serve + consume) and the dashboard under gunicorn; a logged-in
  district user holds the dashboard's live stream (`/events`). Probes come one at a time from
  a commune nothing else writes to; latency is from the start of the POST to intake to the
  first live update naming that commune, while simulated kiosks of four other communes send
  the stated background load.
- clustering: comments recombined from the development set, classified and grouped into
  themes by the library in a fresh process, and by `thuocdo-scoring cluster-comments` end to
  end (start-up and model fit included); peak memory is the maximum resident set size.
- capacity: scoring's store is filled in doubling steps through `SqliteStore.apply_batch`
  (the consumer's own write, without Kafka: `consume` runs at 1,000-3,000 responses/s here,
  too slow for this budget), with copies of simulated responses (2025-01-01 to now, old and
  new communes, comments classified) under fresh ids; after each step the overview page of a
  logged-in district user is timed (median of 5 GETs). "Budget reached" means the overview
  was still under the limit when the time budget ran out."""
# Seconds kept back at the end of the overall deadline for writing the report and
# stopping the broker.
RESERVE_S = 30


def machine() -> dict[str, str]:
    """nproc, memory, CPU model, load, Python, kafka-python and broker versions."""
    info: dict[str, str] = {"CPUs (nproc)": str(os.cpu_count())}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        kb = int(
            next(line for line in meminfo.splitlines() if line.startswith("MemTotal")).split()[1]
        )
        info["memory"] = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        info["memory"] = "unknown"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["CPU"] = next(
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        info["CPU"] = platform.processor() or "unknown"
    info["OS"] = f"{platform.system()} {platform.release()} ({platform.machine()})"
    info["Python"] = platform.python_version()
    try:
        import kafka

        info["kafka-python"] = kafka.__version__
    except ImportError:
        info["kafka-python"] = "not installed"
    jars = sorted((REPO / ".kafka" / "lib").glob("kafka_*.jar"))
    if jars:
        info["Kafka broker"] = jars[-1].stem.split("-", 1)[-1] + " (scripts/kafka-local)"
    return info


def with_budget(bench: Bench, left: float) -> Bench:
    """``bench`` with its ``{budget}`` filled in: its own budget, cut so that it
    ends (with a 90 s margin) within the ``left`` seconds of the overall deadline."""
    if bench.budget_s is None:
        return bench
    budget = max(30.0, min(bench.budget_s, left - 90))
    return replace(bench, command=bench.command.format(budget=f"{budget:.0f}"))


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def run_one(bench: Bench, env: dict[str, str], timeout: float) -> str | None:
    """Run one benchmark; None when it succeeded, else the reason it failed."""
    print(f"\n=== {bench.name}: {bench.command}  (limit {timeout:.0f} s)", flush=True)
    started = time.time()
    proc = subprocess.Popen(shlex.split(bench.command), cwd=REPO, env=env, start_new_session=True)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        # Its own process group: the services and brokers it started go too (those
        # started with start_new_session are their own groups; the benchmark's
        # finally-blocks run on SIGTERM-turned-KeyboardInterrupt only, so give it a
        # moment with SIGINT first).
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        return f"timed out after {timeout:.0f} s"
    elapsed = time.time() - started
    print(f"=== {bench.name}: exit {code} after {elapsed:.0f} s", flush=True)
    path = RESULTS / bench.result
    fresh = path.exists() and path.stat().st_mtime >= started
    if code != 0:
        return f"exit status {code}" + ("" if fresh else ", no result written")
    if not fresh:
        return "no result written"
    return None


def read_result(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="run only these benchmarks (by name)")
    parser.add_argument(
        "--deadline", type=float, default=840.0, help="seconds for everything (default 14 min)"
    )
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "RESULTS.md")
    args = parser.parse_args(argv)
    benches = [b for b in BENCHES if not args.only or b.name in args.only]
    unknown = set(args.only or ()) - {b.name for b in BENCHES}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")

    began = time.monotonic()
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_before = load_text()
    load_before_values = os.getloadavg()
    failures: dict[str, str] = {}
    results: dict[str, dict[str, Any] | None] = {}
    ran: list[Bench] = []
    with tempfile.TemporaryDirectory(prefix="thuocdo-bench-") as tmp:
        print("starting a Kafka broker (or using KAFKA_BOOTSTRAP_SERVERS) ...", flush=True)
        with broker(Path(tmp) / "kafka") as bootstrap:
            env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PYTHONUNBUFFERED": "1"}
            for planned in benches:
                left = args.deadline - RESERVE_S - (time.monotonic() - began)
                bench = with_budget(planned, left)
                ran.append(bench)
                if left < 30:
                    failures[bench.name] = "not run: the overall deadline was reached"
                    continue
                reason = run_one(bench, env, min(bench.limit_s, left))
                if reason is None:
                    results[bench.name] = read_result(RESULTS / bench.result)
                else:
                    failures[bench.name] = reason
    total = time.monotonic() - began
    rows = rows_for(ran, results, failures)
    info = machine()
    info["load average (1/5/15 min) at start"] = load_before
    info["load average at end"] = load_text()
    notes = NOTES
    busiest = max(load_before_values[0], os.getloadavg()[0])
    if busiest > (os.cpu_count() or 1):
        notes += (
            f"\n\nIn this run the 1-minute load average reached {busiest:.1f} on "
            f"{os.cpu_count()} CPUs: other work (other engineers' test suites) shared the "
            "machine, so the wall-clock figures above are affected (slower than on an idle "
            "machine)."
        )
    doc = document(rows, info, started, total, notes)
    print("\n" + text_table(rows))
    print(f"total {total:.0f} s; load average {info['load average at end']}")
    if not args.only:
        args.out.write_text(doc, "utf-8")
        print(f"wrote {args.out.relative_to(REPO)}")
    else:
        print("(--only: bench/RESULTS.md left as it was)")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
