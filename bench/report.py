"""The benchmark table: pure functions from the benchmarks' JSON results to rows,
and rows to plain text (terminal) or Markdown (bench/RESULTS.md).

No I/O here; ``bench/run_all.py`` runs the benchmarks and writes the files.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bench:
    """One benchmark: its name, the command that runs it (as a person would type
    it from the repository root), its result file under bench/results/, and its
    time limit in seconds."""

    name: str
    command: str
    result: str
    limit_s: float
    budget_s: float | None = None  # for a "{budget}" in the command: its own time budget


@dataclass(frozen=True)
class Row:
    figure: str
    value: str
    ratio: str
    command: str


def _n(x: float) -> str:
    """A count with thousands separators: 12345 -> '12,345'."""
    return f"{x:,.0f}"


def _intake(r: Mapping[str, Any]) -> list[Row]:
    i, b = r["intake"], r["bare"]
    return [
        Row(
            f"intake requests/s ({r['kiosks']} concurrent kiosks, every answer acked by Kafka)",
            f"{_n(i['rps'])} req/s; p50 {i['p50_ms']:.0f} ms, p99 {i['p99_ms']:.0f} ms",
            f"{r['ratio']:.2f} of bare Flask ({_n(b['rps'])} req/s, p50 {b['p50_ms']:.0f} ms)",
            "",
        ),
        Row(
            "intake server CPU per request",
            f"{i['cpu_ms_per_request']:.2f} ms",
            f"{r['cpu_ratio']:.2f} (bare Flask {b['cpu_ms_per_request']:.2f} ms / intake "
            f"{i['cpu_ms_per_request']:.2f} ms)",
            "",
        ),
    ]


def _scoring(r: Mapping[str, Any]) -> list[Row]:
    return [
        Row(
            f"scoring consume throughput ({_n(r['n'])} responses, comment model "
            f"{'on' if r.get('classify') else 'off'})",
            f"{_n(r['scoring_end_to_end_per_s'])} responses/s from launch; "
            f"{_n(r['scoring_steady_per_s'])}/s from the first stored row",
            f"{r['ratio_end_to_end_vs_bare']:.3f} of a bare kafka-python consumer "
            f"({_n(r['bare_consumer_per_s'])}/s; steady {r['ratio_steady_vs_bare']:.3f})",
            "",
        )
    ]


def _e2e(r: Mapping[str, Any]) -> list[Row]:
    lost = f", {r['probes_lost']} lost" if r.get("probes_lost") else ""
    return [
        Row(
            f"kiosk POST -> dashboard live event, at {r['load']}",
            f"p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms "
            f"({r['probes']} probes{lost})",
            "",
            "",
        )
    ]


def _clustering(r: Mapping[str, Any]) -> list[Row]:
    rows = []
    for size, res in sorted(r["results"].items(), key=lambda kv: int(kv[0])):
        lib, cli = res["library"], res["cli"]
        rows.append(
            Row(
                f"comment clustering, {_n(int(size))} comments (classify + themes)",
                f"{lib['predict_and_themes_s']:.1f} s ({_n(lib['comments_per_s'])} comments/s; "
                f"{lib['predict_and_themes_cpu_s']:.1f} s CPU), peak {lib['peak_rss_mb']:.0f} MB; "
                f"CLI end to end {cli['wall_s']:.1f} s, peak {cli['peak_rss_mb']:.0f} MB",
                "",
                "",
            )
        )
    return rows


def _short(n: int) -> str:
    """50000 -> '50k', 1600000 -> '1.6M'."""
    if n >= 1_000_000:
        return f"{n / 1_000_000:g}M"
    return f"{n / 1000:g}k" if n >= 1000 else str(n)


def _capacity(r: Mapping[str, Any]) -> list[Row]:
    steps = r.get("steps") or []
    largest = r.get("largest_within_limit")
    if largest is None:
        value = f"< {_n(steps[0]['responses'])} responses" if steps else "no step measured"
    elif r.get("stopped_by") == "budget":
        value = f">= {_n(largest)} responses (time budget reached)"
    else:
        value = f"{_n(largest)} responses"
    if steps:
        value += "; overview median by step: " + ", ".join(
            f"{_short(s['responses'])} {s['overview_ms']:.0f}" for s in steps
        )
        value += " ms"
    return [
        Row(
            f"responses held with the dashboard overview answering within {r['limit_ms']:.0f} ms",
            value,
            "",
            "",
        )
    ]


BUILDERS = {
    "intake": _intake,
    "scoring": _scoring,
    "e2e": _e2e,
    "clustering": _clustering,
    "capacity": _capacity,
}
FIGURES = {
    "intake": "intake requests/s against bare Flask",
    "scoring": "scoring consume throughput against bare kafka-python",
    "e2e": "kiosk POST -> dashboard live event",
    "clustering": "comment clustering time and memory",
    "capacity": "responses held with the overview within 500 ms",
}


def rows_for(
    benches: Sequence[Bench],
    results: Mapping[str, Mapping[str, Any] | None],
    failures: Mapping[str, str],
) -> list[Row]:
    """The table's rows, in the order of ``benches``. A benchmark in ``failures``
    (or without a result) gives one row ``failed: <reason>``; a result the builder
    cannot read counts as a failure too."""
    rows: list[Row] = []
    for bench in benches:
        result = results.get(bench.name)
        reason = failures.get(bench.name)
        if reason is None and result is None:
            reason = "no result written"
        built: list[Row] = []
        if reason is None and result is not None:
            try:
                built = BUILDERS[bench.name](result)
            except (KeyError, TypeError, ValueError, IndexError) as exc:
                reason = f"unreadable result ({type(exc).__name__}: {exc})"
        if reason is not None:
            built = [Row(FIGURES.get(bench.name, bench.name), f"failed: {reason}", "", "")]
        rows.extend(Row(r.figure, r.value, r.ratio, bench.command) for r in built)
    return rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(rows: Sequence[Row]) -> str:
    """A Markdown table: figure | value | ratio | command."""
    lines = ["| figure | value | ratio | command |", "| --- | --- | --- | --- |"]
    for r in rows:
        cmd = f"`{r.command}`" if r.command else ""
        lines.append(f"| {_cell(r.figure)} | {_cell(r.value)} | {_cell(r.ratio) or '-'} | {cmd} |")
    return "\n".join(lines) + "\n"


def text_table(rows: Sequence[Row], width: int = 100) -> str:
    """The same rows for a terminal: one block per row, wrapped to ``width``."""
    out = []
    for r in rows:
        out.append(r.figure)
        for label, text in (("value", r.value), ("ratio", r.ratio), ("command", r.command)):
            if text:
                out.extend(
                    textwrap.wrap(
                        text,
                        width,
                        initial_indent=f"  {label:<8} ",
                        subsequent_indent=" " * 11,
                    )
                )
    return "\n".join(out) + "\n"


def document(
    rows: Sequence[Row], machine: Mapping[str, str], started: str, total_s: float, notes: str
) -> str:
    """bench/RESULTS.md: heading, when and where, the table, total time, notes."""
    where = "\n".join(f"- {k}: {v}" for k, v in machine.items())
    failed = sum(1 for r in rows if r.value.startswith("failed:"))
    return (
        "# Benchmark results\n\n"
        f"`make bench` started {started}, took {total_s / 60:.1f} min "
        f"({total_s:.0f} s){f'; {failed} benchmark(s) failed' if failed else ''}.\n\n"
        f"Machine:\n{where}\n\n"
        f"{markdown(rows)}\n"
        f"{notes.strip()}\n"
    )
