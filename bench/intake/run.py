"""Benchmark of intake's response API (not a test).

Starts a real broker when ``KAFKA_BOOTSTRAP_SERVERS`` is unset, then serves, one
after the other on 127.0.0.1 with the same gunicorn settings (workers, threads,
config): (1) a bare Flask endpoint and (2) intake. Many concurrent kiosks POST valid
responses over keep-alive connections for a fixed time against each. Prints
requests/s, p50 and p99 latency, server CPU (user, system) and context switches
per request, the whole machine's busy share while each server ran, and the ratio
intake/bare, checks that every
intake answer was ``accepted`` (acknowledged by Kafka, acks=all) and that the topic
holds exactly that many records, and writes one JSON line to
``bench/results/intake.json``.

    .venv/bin/python bench/intake/run.py [--seconds 15] [--kiosks 64]
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing as mp
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from thuocdo_intake.kiosks import KioskRegistry  # noqa: E402
from thuocdo_shared.config import KafkaSettings  # noqa: E402
from thuocdo_shared.kafka import ensure_topics  # noqa: E402

from bench.stack import percentile  # noqa: E402
from tests.support.kafka_local import LocalKafka, free_port  # noqa: E402

BIN = Path(sys.executable).parent
COMMUNES = ("05908", "05917", "05923", "05941", "05953")


def _wait_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def _gunicorn_args(port: int, workers: int, threads: int) -> list[str]:
    # The same settings for both servers: thuocdo_shared.web.serve's defaults plus
    # intake's threads and gunicorn config (access log included).
    return [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "10",
        "-c",
        "python:thuocdo_intake.gunicorn_conf",
    ]


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            args,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=REPO,
        )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _client(port_kiosks: tuple[list[tuple[str, str, str]], Any, Any]) -> None:
    """One load process, alive for the whole run: for each order (port, start,
    stop) it runs a thread per kiosk, each on its own keep-alive connection, and
    sends back what it measured."""
    kiosks, orders, out = port_kiosks
    while True:
        order = orders.get()
        if order is None:
            return
        port, start_at, stop_at = order
        results: list[Result] = []
        lock = threading.Lock()

        def kiosk_loop(
            kiosk_id: str,
            token: str,
            commune: str,
            port: int = port,
            start_at: float = start_at,
            stop_at: float = stop_at,
            results: list[Result] = results,
            lock: threading.Lock = lock,
        ) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
            mine: list[Result] = []
            n = 0
            while time.time() < start_at:
                time.sleep(0.005)
            while time.time() < stop_at:
                n += 1
                body = json.dumps(
                    {
                        "id": str(uuid.uuid4()),
                        "submitted_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                        "kiosk_id": kiosk_id,
                        "commune_code": commune,
                        "field": "ho_tich",
                        "overall": 1 + n % 5,
                        "issues": ["waiting_time"] if n % 5 < 3 else [],
                        "comment": "Cán bộ nhiệt tình, nhưng phải chờ khá lâu."
                        if n % 4 == 0
                        else None,
                    },
                    ensure_ascii=False,
                ).encode()
                began = time.time()
                t0 = time.perf_counter()
                try:
                    conn.request("POST", "/api/v1/responses", body=body, headers=headers)
                    resp = conn.getresponse()
                    raw = resp.read()
                    status = json.loads(raw).get("status", "") if resp.status == 202 else ""
                    mine.append((began, time.perf_counter() - t0, resp.status, status))
                except (OSError, http.client.HTTPException):
                    mine.append((began, time.perf_counter() - t0, 0, "error"))
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.close()
            with lock:
                results.extend(mine)

        threads = [threading.Thread(target=kiosk_loop, args=k) for k in kiosks]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        out.put(results)


Result = tuple[float, float, int, str]  # (start time, latency s, HTTP status, answer)


class Load:
    """``procs`` load processes sharing the kiosks; reused for every round."""

    def __init__(self, kiosks: list[tuple[str, str, str]], procs: int) -> None:
        ctx = mp.get_context("spawn")
        self.out = ctx.Queue()
        self.orders = [ctx.Queue() for _ in range(procs)]
        self.procs = [
            ctx.Process(target=_client, args=((kiosks[i::procs], self.orders[i], self.out),))
            for i in range(procs)
        ]
        for p in self.procs:
            p.start()

    def drive(self, port: int, seconds: float) -> tuple[list[Result], list[Result]]:
        """Load for ``seconds`` after a 0.5 s warm-up; returns every request, and
        those started in the measured window."""
        warm = time.time() + 0.3
        start_at, stop_at = warm + 0.5, warm + 0.5 + seconds
        for q in self.orders:
            q.put((port, warm, stop_at))
        collected: list[Result] = []
        for _ in self.procs:
            collected.extend(self.out.get(timeout=seconds + 120))
        return collected, [r for r in collected if start_at <= r[0] < stop_at]

    def close(self) -> None:
        for q in self.orders:
            q.put(None)
        for p in self.procs:
            p.join(10)


class Usage(NamedTuple):
    """What a process group spent: user and system CPU seconds, and context switches
    (voluntary and involuntary, over every thread)."""

    user: float
    system: float
    switches: int

    def __sub__(self, other: object) -> Usage:
        assert isinstance(other, Usage)
        return Usage(
            self.user - other.user, self.system - other.system, self.switches - other.switches
        )

    def __add__(self, other: object) -> Usage:
        assert isinstance(other, Usage)
        return Usage(
            self.user + other.user, self.system + other.system, self.switches + other.switches
        )


def usage(pgid: int) -> Usage:
    """Usage of every live process in the group (gunicorn master and workers), from
    /proc: CPU from each process's stat, switches from each of its threads' status
    (a thread that ended between two readings takes its switches with it; gunicorn's
    request threads and the Kafka client's live as long as the worker)."""
    tick = os.sysconf("SC_CLK_TCK")
    user = system = switches = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:  # fields after "(comm)": state ppid pgrp ...
                continue
            user += int(fields[11])
            system += int(fields[12])
            for task in (entry / "task").iterdir():
                for line in (task / "status").read_text().splitlines():
                    if "ctxt_switches:" in line:
                        switches += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return Usage(user / tick, system / tick, switches)


def machine_jiffies() -> tuple[int, int]:
    """(busy, total) CPU time of the whole machine so far, all cores, from /proc/stat:
    the load generator and the broker share the cores with the server measured."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


def per_request(use: Usage, requests: int) -> dict[str, float]:
    """CPU (all, user, system) in ms and context switches, per request."""
    n = max(1, requests)
    return {
        "cpu_ms_per_request": round((use.user + use.system) / n * 1000, 3),
        "user_ms_per_request": round(use.user / n * 1000, 3),
        "system_ms_per_request": round(use.system / n * 1000, 3),
        "switches_per_request": round(use.switches / n, 1),
    }


def figures(results: list[tuple[float, float, int, str]], seconds: float) -> dict[str, Any]:
    """requests/s over ``seconds``, p50 and p99 latency in ms, answers by status."""
    latencies = [r[1] for r in results]
    n = len(latencies)

    def pct(q: float) -> float:
        return round(percentile(latencies, q) * 1000, 2)

    statuses: dict[str, int] = {}
    for _, _, code, status in results:
        key = f"{code} {status}".strip()
        statuses[key] = statuses.get(key, 0) + 1
    return {
        "requests": n,
        "rps": round(n / seconds, 1),
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "statuses": statuses,
    }


def topic_count(settings: KafkaSettings) -> int:
    from kafka import KafkaConsumer, TopicPartition

    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_servers.split(","))
    try:
        parts = consumer.partitions_for_topic(settings.responses_topic) or set()
        tps = [TopicPartition(settings.responses_topic, p) for p in parts]
        return sum(consumer.end_offsets(tps).values())
    finally:
        consumer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per server")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds")
    parser.add_argument(
        "--intake-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for intake, e.g. THUOCDO_INTAKE_LINGER_MS=10",
    )
    parser.add_argument("--kiosks", type=int, default=64, help="concurrent kiosks")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=16, help="threads per worker")
    parser.add_argument("--client-procs", type=int, default=2, help="load processes")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "intake.json")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="thuocdo-bench-intake-"))
    broker: LocalKafka | None = None
    procs: list[subprocess.Popen[bytes]] = []
    try:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
        if not bootstrap:
            broker = LocalKafka(free_port(), state_dir=tmp / "kafka")
            broker.start()
            bootstrap = broker.bootstrap
        settings = KafkaSettings(
            bootstrap_servers=bootstrap,
            responses_topic=f"bench-{uuid.uuid4().hex[:8]}.survey.responses.v1",
        )
        ensure_topics(settings, [settings.responses_topic])

        registry = KioskRegistry(tmp / "data" / "intake-kiosks.sqlite3")
        kiosks = []
        for i in range(args.kiosks):
            commune = COMMUNES[i % len(COMMUNES)]
            kiosk, token = registry.add(commune, f"Quầy bench {i}")
            kiosks.append((kiosk.id, token, commune))

        def gargs(port: int) -> list[str]:
            return _gunicorn_args(port, args.workers, args.threads)

        bare_port, intake_port = free_port(), free_port()
        procs.append(
            _start(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    *gargs(bare_port),
                    "--chdir",
                    str(Path(__file__).parent),
                    "bare_app:app",
                ],
                {},
                tmp / "bare.log",
            )
        )
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
            "THUOCDO_TOPIC_RESPONSES": settings.responses_topic,
            "THUOCDO_DATA_DIR": str(tmp / "data"),
            "THUOCDO_INTAKE_RATE_PER_MINUTE": "1000000",
            "THUOCDO_INTAKE_RATE_BURST": "100000",
            "PROMETHEUS_MULTIPROC_DIR": str(tmp / "metrics"),
            **dict(kv.split("=", 1) for kv in args.intake_env),
        }
        (tmp / "metrics").mkdir()
        procs.append(
            _start(
                [sys.executable, "-m", "gunicorn", *gargs(intake_port), "thuocdo_intake.wsgi:app"],
                env,
                tmp / "intake.log",
            )
        )
        _wait_http(f"http://127.0.0.1:{bare_port}/healthz")
        _wait_http(f"http://127.0.0.1:{intake_port}/healthz")
        # Alternate short rounds, so that a change in the machine's load (other
        # processes, the broker's own work) weighs on both servers alike.
        per_round = args.seconds / args.rounds
        bare_runs: list[Result] = []
        intake_runs: list[Result] = []
        intake_accepted = intake_sent = bare_all = 0
        used = {"bare": Usage(0.0, 0.0, 0), "intake": Usage(0.0, 0.0, 0)}
        machine = {"bare": [0, 0], "intake": [0, 0]}  # busy, total jiffies

        def measure(name: str, port: int) -> tuple[list[Result], list[Result]]:
            pid = procs[0 if name == "bare" else 1].pid
            before, (busy0, total0) = usage(pid), machine_jiffies()
            every, measured = load.drive(port, per_round)
            busy1, total1 = machine_jiffies()
            used[name] += usage(pid) - before
            machine[name][0] += busy1 - busy0
            machine[name][1] += total1 - total0
            return every, measured

        load = Load(kiosks, args.client_procs)
        try:
            for _ in range(args.rounds):
                every_bare, measured_bare = measure("bare", bare_port)
                bare_runs += measured_bare
                bare_all += len(every_bare)
                every, measured = measure("intake", intake_port)
                intake_runs += measured
                intake_sent += len(every)
                intake_accepted += sum(1 for r in every if r[2] == 202 and r[3] == "accepted")
        finally:
            load.close()
        bare_fig = figures(bare_runs, args.seconds)
        intake_fig = figures(intake_runs, args.seconds)
        # Server CPU per request: a figure that other load on the machine hardly moves;
        # with its user/system split and the threads' context switches per request.
        for fig, use, n in (
            (bare_fig, used["bare"], bare_all),
            (intake_fig, used["intake"], intake_sent),
        ):
            fig.update(per_request(use, n))
        # How busy the whole machine was while each server was driven (load generator
        # and broker included): near 100 % means the ratio is one of CPU work.
        for fig, (busy, total) in ((bare_fig, machine["bare"]), (intake_fig, machine["intake"])):
            fig["machine_busy_pct"] = round(100 * busy / max(1, total), 1)
        time.sleep(1.0)
        on_topic = topic_count(settings)
    finally:
        for p in procs:
            _stop(p)
        if broker is not None:
            broker.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    # Every request sent to intake (warm-up included) answered "accepted", i.e.
    # acknowledged by the broker, and the topic holds exactly that many records.
    all_acked = intake_accepted == intake_sent and on_topic == intake_accepted
    ratio = intake_fig["rps"] / bare_fig["rps"] if bare_fig["rps"] else 0.0
    print(
        f"{'server':<10}{'requests':>10}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'CPU ms/req':>12}"
        f"{'user':>8}{'sys':>8}{'switches/req':>14}{'machine busy':>14}"
    )
    for name, fig in (("bare", bare_fig), ("intake", intake_fig)):
        print(
            f"{name:<10}{fig['requests']:>10}{fig['rps']:>10.0f}"
            f"{fig['p50_ms']:>10.1f}{fig['p99_ms']:>10.1f}{fig['cpu_ms_per_request']:>12.2f}"
            f"{fig['user_ms_per_request']:>8.2f}{fig['system_ms_per_request']:>8.2f}"
            f"{fig['switches_per_request']:>14.1f}{fig['machine_busy_pct']:>13.1f}%"
        )
    cpu_ratio = bare_fig["cpu_ms_per_request"] / max(1e-9, intake_fig["cpu_ms_per_request"])
    print(
        f"ratio intake/bare: {ratio:.2f} requests/s (goal >= 0.6); "
        f"{cpu_ratio:.2f} by server CPU per request"
    )
    print(
        f"intake answers (measured): {intake_fig['statuses']}; sent in all: {intake_sent}, "
        f"accepted: {intake_accepted}; records on topic: {on_topic}; "
        f"every response acknowledged by Kafka: {all_acked}"
    )
    line = {
        "bench": "intake",
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "kiosks": args.kiosks,
        "workers": args.workers,
        "threads": args.threads,
        "seconds": args.seconds,
        "rounds": args.rounds,
        "intake_env": args.intake_env,
        "bare": bare_fig,
        "intake": intake_fig,
        "ratio": round(ratio, 3),
        "cpu_ratio": round(cpu_ratio, 3),
        "intake_sent": intake_sent,
        "intake_accepted": intake_accepted,
        "records_on_topic": on_topic,
        "all_acknowledged": all_acked,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(line, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0 if all_acked else 1


if __name__ == "__main__":
    raise SystemExit(main())
