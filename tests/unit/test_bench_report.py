"""The benchmark table builder (bench/report.py): rows from results, failures as
rows, Markdown output. Values are checked by hand against the inputs."""

from __future__ import annotations

import pytest

from bench.report import Bench, Row, document, markdown, rows_for, text_table

pytestmark = pytest.mark.unit

INTAKE = Bench("intake", "py bench/intake/run.py", "intake.json", 60)
E2E = Bench("e2e", "py bench/e2e/run.py", "e2e.json", 60)
CAPACITY = Bench("capacity", "py bench/capacity/run.py", "capacity.json", 60)

INTAKE_RESULT = {
    "kiosks": 64,
    "bare": {"rps": 770.5, "p50_ms": 52.65, "p99_ms": 347.83, "cpu_ms_per_request": 1.003},
    "intake": {"rps": 400.6, "p50_ms": 145.63, "p99_ms": 474.82, "cpu_ms_per_request": 2.024},
    "ratio": 0.52,
    "cpu_ratio": 0.496,
}


def test_intake_rows_carry_values_ratio_and_command() -> None:
    rows = rows_for([INTAKE], {"intake": INTAKE_RESULT}, {})
    assert len(rows) == 2
    rps, cpu = rows
    assert rps.value == "401 req/s; p50 146 ms, p99 475 ms"
    assert rps.ratio == "0.52 of bare Flask (770 req/s, p50 53 ms)"
    assert rps.command == "py bench/intake/run.py"
    assert cpu.value == "2.02 ms"
    assert cpu.ratio.startswith("0.50 ")
    assert "64 concurrent kiosks" in rps.figure


def test_a_failed_benchmark_is_one_row_and_the_others_still_show() -> None:
    e2e = {
        "load": "5.0 responses/s background",
        "p50_ms": 76.6,
        "p95_ms": 323.1,
        "p99_ms": 393.2,
        "probes": 39,
        "probes_lost": 0,
    }
    rows = rows_for(
        [INTAKE, E2E, CAPACITY],
        {"intake": None, "e2e": e2e},
        {"intake": "timed out after 240 s"},
    )
    assert [r.value for r in rows] == [
        "failed: timed out after 240 s",
        "p50 77 ms, p95 323 ms, p99 393 ms (39 probes)",
        "failed: no result written",
    ]
    assert rows[0].command == INTAKE.command
    assert rows[2].command == CAPACITY.command


def test_a_result_missing_fields_is_reported_as_failed_not_raised() -> None:
    rows = rows_for([INTAKE], {"intake": {"kiosks": 64}}, {})
    assert len(rows) == 1
    assert rows[0].value.startswith("failed: unreadable result (KeyError")


@pytest.mark.parametrize(
    ("largest", "stopped", "expected"),
    [
        (400_000, "budget", ">= 400,000 responses (time budget reached)"),
        (200_000, "limit", "200,000 responses"),
        (None, "limit", "< 50,000 responses"),
    ],
)
def test_capacity_value(largest: int | None, stopped: str, expected: str) -> None:
    steps = [
        {"responses": 50_000, "overview_ms": 120.0},
        {"responses": 200_000, "overview_ms": 300.0},
        {"responses": 400_000, "overview_ms": 450.0},
    ]
    if largest is None:
        steps = [{"responses": 50_000, "overview_ms": 900.0}]
    result = {
        "limit_ms": 500.0,
        "largest_within_limit": largest,
        "stopped_by": stopped,
        "steps": steps,
    }
    (row,) = rows_for([CAPACITY], {"capacity": result}, {})
    assert row.value.startswith(expected)
    if largest is None:
        assert row.value.endswith("; overview median by step: 50k 900 ms")
    else:
        assert row.value.endswith("; overview median by step: 50k 120, 200k 300, 400k 450 ms")


def test_markdown_has_one_line_per_row_and_escapes_pipes() -> None:
    rows = [Row("a | b", "1 ms", "", "cmd --x"), Row("c", "failed: x", "0.5", "")]
    lines = markdown(rows).splitlines()
    assert lines[0] == "| figure | value | ratio | command |"
    assert lines[2] == "| a \\| b | 1 ms | - | `cmd --x` |"
    assert lines[3] == "| c | failed: x | 0.5 |  |"
    assert len(lines) == 4


def test_document_counts_failures_and_states_total_time() -> None:
    rows = [Row("a", "failed: boom", "", "x"), Row("b", "1", "", "y")]
    doc = document(rows, {"CPUs (nproc)": "2"}, "2026-01-01 10:00 UTC", 540.0, "note")
    assert "took 9.0 min (540 s); 1 benchmark(s) failed." in doc
    assert "- CPUs (nproc): 2" in doc
    assert doc.rstrip().endswith("note")
    assert "failed: boom" in text_table(rows)
