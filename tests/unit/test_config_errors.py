"""A bad environment variable is said in one line (exit 2), not as a traceback; the
topics command answers --help without touching Kafka."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from thuocdo_dashboard.cli import main as dashboard_main
from thuocdo_intake.cli import main as intake_main
from thuocdo_scoring.cli import main as scoring_main

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("main", "argv", "variable", "prog"),
    [
        (intake_main, ["kiosk", "list"], "THUOCDO_INTAKE_PORT", "thuocdo-intake"),
        (scoring_main, ["check-consumer"], "THUOCDO_SCORING_PORT", "thuocdo-scoring"),
        (dashboard_main, ["user", "list"], "THUOCDO_DASHBOARD_PORT", "thuocdo-dashboard"),
    ],
)
def test_a_bad_variable_is_one_line_and_exit_2(
    main: object,
    argv: list[str],
    variable: str,
    prog: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(variable, "abc")
    assert main(argv) == 2  # type: ignore[operator]
    err = capsys.readouterr().err
    assert err == f"{prog}: configuration error: {variable} must be an integer, got 'abc'\n"


def _topics(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "thuocdo_shared.topics", *args],
        capture_output=True,
        text=True,
        timeout=60,
        # No broker at this address: neither run below may reach one.
        env={**os.environ, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9", **env},
        check=False,
    )


def test_topics_answers_help_and_says_a_bad_variable() -> None:
    helped = _topics("--help")
    assert helped.returncode == 0 and helped.stdout.startswith("usage: python -m thuocdo_shared")
    bad = _topics(THUOCDO_TOPIC_RETENTION_DAYS="a year")
    assert bad.returncode == 2
    assert bad.stderr.startswith("thuocdo_shared.topics: configuration error: ")
    assert "THUOCDO_TOPIC_RETENTION_DAYS" in bad.stderr and "Traceback" not in bad.stderr


def test_a_weight_typo_stops_scoring_with_its_name(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """``acess=2`` was ignored and ``access=nan`` made the overall index NaN (not JSON)."""
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("THUOCDO_SCORING_WEIGHTS", "acess=2")
    assert scoring_main(["check-consumer"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "thuocdo-scoring: configuration error: THUOCDO_SCORING_WEIGHTS: no dimension or"
        " criterion acess (dimensions: access, procedures,"
    )
    assert err.count("\n") == 1
    monkeypatch.setenv("THUOCDO_SCORING_WEIGHTS", "access=nan")
    assert scoring_main(["check-consumer"]) == 2
    assert "weight for access must be a number >= 0, got nan" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        # gunicorn failed with a traceback (OverflowError), and the CLIs took it.
        ("THUOCDO_INTAKE_PORT", "70000", "THUOCDO_INTAKE_PORT must be <= 65535, got 70000"),
        # A port that is not a number: a traceback; no port: a 30 s wait, then one.
        (
            "KAFKA_BOOTSTRAP_SERVERS",
            "127.0.0.1:notaport",
            "KAFKA_BOOTSTRAP_SERVERS must be host:port, several separated by commas,"
            " got '127.0.0.1:notaport'",
        ),
        (
            "KAFKA_BOOTSTRAP_SERVERS",
            "abc",
            "KAFKA_BOOTSTRAP_SERVERS must be host:port, several separated by commas, got 'abc'",
        ),
        # A negative timeout was bent up to the minimum, silently.
        (
            "THUOCDO_INTAKE_PUBLISH_TIMEOUT",
            "-5",
            "THUOCDO_INTAKE_PUBLISH_TIMEOUT must be >= 0.2, got -5",
        ),
        ("THUOCDO_INTAKE_LEASE_TTL", "0.5", "THUOCDO_INTAKE_LEASE_TTL must be >= 1, got 0.5"),
        (
            "THUOCDO_TOPIC_RETENTION_DAYS",
            "1000000",
            "THUOCDO_TOPIC_RETENTION_DAYS must be <= 36500, got 1000000",
        ),
    ],
)
def test_a_value_out_of_range_is_refused_in_one_line(
    variable: str,
    value: str,
    said: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: object,
) -> None:
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(variable, value)
    assert intake_main(["kiosk", "list"]) == 2
    assert capsys.readouterr().err == f"thuocdo-intake: configuration error: {said}\n"


def test_bootstrap_lists_kafka_takes_are_accepted() -> None:
    from thuocdo_shared.config import KafkaSettings

    for value in ("127.0.0.1:9092", "kafka:9092", "a.example:9092, b.example:9093", "[::1]:9092"):
        assert KafkaSettings.from_env({"KAFKA_BOOTSTRAP_SERVERS": value}).bootstrap_servers == value


def test_topics_says_a_bad_bootstrap_list_in_one_line() -> None:
    bad = _topics(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:notaport")
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr.startswith("thuocdo_shared.topics: configuration error: KAFKA_BOOTSTRAP")
    assert "Traceback" not in bad.stderr
