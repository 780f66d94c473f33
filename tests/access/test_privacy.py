"""Privacy: the logs of the three services hold no comment text and no secret, and
Kafka carries only the fields of a response.

Runs last in the package (file order), so the logs it reads hold everything the
matrix and abuse tests did too: logins, kiosk tokens, hostile comments, bursts.
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid

import pytest
from thuocdo_shared.events import RESPONSE_SCHEMA_ID, SurveyResponse
from thuocdo_shared.kafka import make_consumer

from tests.access.conftest import COMMUNE_A, Stack

pytestmark = pytest.mark.integration

RESPONSE_FIELDS = {f.name for f in dataclasses.fields(SurveyResponse)}


def _read_all(stack: Stack, topic: str) -> list[object]:
    consumer = make_consumer(stack.settings, None, [topic])  # no group join to wait for
    records: list[object] = []
    try:
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            polled = consumer.poll(timeout_ms=500)
            for batch in polled.values():
                records.extend(batch)
            if records and not polled:
                break
    finally:
        consumer.close()
    return records


def test_logs_hold_no_comment_and_no_secret(stack: Stack) -> None:
    # One more response through the whole path, shown on the dashboard and read
    # back from scoring's API, so every service has handled a comment.
    code = COMMUNE_A.split("@")[0]
    body = stack.response(stack.kiosk_a, code, comment=f"Bí mật {uuid.uuid4().hex} của dân")
    assert stack.post(stack.kiosk_a, body).status_code == 202
    assert stack.post(stack.kiosk_a, body).json()["status"] == "duplicate"
    assert body["id"] in stack.wait_stored(COMMUNE_A, {body["id"]})
    session = stack.session("admin")
    page = session.get(f"{stack.dashboard.url}/commune/{COMMUNE_A}", timeout=20)
    assert body["comment"] in page.text  # it really was handled and shown
    time.sleep(1.0)  # let the log lines land

    logs = {p.name: p.read_text(errors="replace") for p in stack.logs.glob("*.log")}
    services = {name.split("-")[0] + "-" + name.split("-")[1] for name in logs}
    assert services >= {
        "intake-serve",
        "scoring-consume",
        "scoring-serve",
        "dashboard-serve",
    }, sorted(logs)
    assert all(text.strip() for text in logs.values())  # not an empty grep
    needles = {*stack.comments, *stack.secrets}
    leaks = {
        (name, needle[:24]) for name, text in logs.items() for needle in needles if needle in text
    }
    print(
        f"[privacy] {len(logs)} logs, {sum(len(t) for t in logs.values())} bytes, "
        f"{len(stack.comments)} comments and {len(stack.secrets)} secrets looked for; "
        f"leaks: {sorted(leaks) or 'none'}"
    )
    assert not leaks
    # The enrolment URL carries the token in the fragment, never in a request line.
    assert "#token=" not in "".join(logs.values())


def test_kafka_values_hold_only_the_response_fields(stack: Stack) -> None:
    records = _read_all(stack, stack.settings.responses_topic)
    assert records, "nothing on the responses topic"
    for record in records:
        envelope = json.loads(record.value)  # type: ignore[attr-defined]
        assert set(envelope) == {"schema", "data"}
        assert envelope["schema"] == RESPONSE_SCHEMA_ID
        assert set(envelope["data"]) <= RESPONSE_FIELDS, set(envelope["data"]) - RESPONSE_FIELDS
        assert not record.headers  # type: ignore[attr-defined]
        # The key is the commune code, nothing about the kiosk or the citizen.
        assert record.key == envelope["data"]["commune_code"].encode()  # type: ignore[attr-defined]
    # Live updates name units and counts only, never what citizens wrote.
    updates = _read_all(stack, stack.settings.updates_topic)
    assert updates
    text = "".join(r.value.decode() for r in updates)  # type: ignore[attr-defined]
    assert not [c for c in stack.comments if c in text]
    for r in updates:
        data = json.loads(r.value)["data"]  # type: ignore[attr-defined]
        assert set(data) == {"units", "codes", "count", "up_to", "committed_at"}
