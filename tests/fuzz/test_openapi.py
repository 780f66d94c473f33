"""Schemathesis against intake's and scoring's OpenAPI documents, each served by
real gunicorn processes on 127.0.0.1: no 5xx, and every documented response
matches its schema. Bounded: MAX_EXAMPLES per operation, no deadline.

intake is called with a kiosk token enrolled through the CLI (its rate limit
raised so the fuzzing is not just 429s), scoring with its service token.
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance

from tests.conftest import make_topic_settings
from tests.intake.helpers import enrol, intake
from tests.support.servers import ServiceProcess

pytestmark = pytest.mark.integration

MAX_EXAMPLES = 40
TOKEN = "fuzz-scoring-token"
CHECKS = [not_a_server_error, response_schema_conformance]
CALLS: collections.Counter[str] = collections.Counter()


@pytest.fixture(scope="module")
def intake_server(
    kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServiceProcess, dict[str, str]]]:
    data = tmp_path_factory.mktemp("fuzz-intake")
    settings_ = make_topic_settings(kafka_bootstrap, "fuzz-intake")
    kiosk = enrol(data, "05953", "Quầy fuzz")
    with intake(settings_, data) as server:
        yield server, kiosk


@pytest.fixture(scope="module")
def scoring_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    data = tmp_path_factory.mktemp("fuzz-scoring")
    env = {"THUOCDO_SCORING_DB": str(data / "scoring.sqlite3"), "THUOCDO_SCORING_TOKEN": TOKEN}
    with ServiceProcess("scoring", env=env, log_dir=data) as server:
        yield server


FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)


def _runner(op: Any, label: str, base_url: str, headers: dict[str, str]) -> Any:
    @FUZZ
    @given(op.as_strategy())
    def run(case: Any) -> None:
        CALLS[label] += 1
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    return run


def fuzz(service: str, schema: Any, base_url: str, headers: dict[str, str]) -> dict[str, str]:
    """Run every operation of ``schema`` for MAX_EXAMPLES cases; returns failures by
    operation (schemathesis' pytest plugin does not load under this pytest, so the
    operations' hypothesis strategies are driven directly)."""
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        op = result.ok()
        label = f"{service} {op.method.upper()} {op.path}"
        try:
            _runner(op, label, base_url, headers)()
        except Exception as exc:  # the minimal failing case, as hypothesis reports it
            failures[label] = f"{type(exc).__name__}: {str(exc)[:2000]}"
    return failures


def test_intake_api(intake_server: tuple[ServiceProcess, dict[str, str]]) -> None:
    server, kiosk = intake_server
    schema = schemathesis.openapi.from_url(f"{server.url}/api/v1/openapi.json")
    failures = fuzz("intake", schema, server.url, {"Authorization": f"Bearer {kiosk['token']}"})
    ops = {k: v for k, v in CALLS.items() if k.startswith("intake")}
    print(f"[fuzz] intake: {sum(ops.values())} requests: {ops}")
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert len(ops) >= 2 and min(ops.values()) >= 5, ops


def test_scoring_api(scoring_server: ServiceProcess) -> None:
    schema = schemathesis.openapi.from_url(f"{scoring_server.url}/api/v1/openapi.json")
    failures = fuzz("scoring", schema, scoring_server.url, {"Authorization": f"Bearer {TOKEN}"})
    ops = {k: v for k, v in CALLS.items() if k.startswith("scoring")}
    print(f"[fuzz] scoring: {sum(ops.values())} requests: {ops}")
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert len(ops) >= 8 and min(ops.values()) >= 5, ops
