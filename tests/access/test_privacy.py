"""Privacy: the logs of the three services hold no comment text and no secret, and
Kafka carries only the fields of a response.

Runs last in the package (file order), so the logs it reads hold everything the
matrix and abuse tests did too: logins, kiosk tokens, hostile comments, bursts.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
import uuid

import pytest
from thuocdo_shared.events import RESPONSE_SCHEMA_ID, SurveyResponse

from tests.access.conftest import COMMUNE_A, Stack
from tests.support.stamps import STAMP_RE
from tests.support.topics import read_topic

pytestmark = pytest.mark.integration

RESPONSE_FIELDS = {f.name for f in dataclasses.fields(SurveyResponse)}


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
    records = read_topic(stack.settings, 1, timeout=8, settle=1.0)
    assert records, "nothing on the responses topic"
    for record in records:
        envelope = json.loads(record.value)
        assert set(envelope) == {"schema", "data"}
        assert envelope["schema"] == RESPONSE_SCHEMA_ID
        assert set(envelope["data"]) <= RESPONSE_FIELDS, set(envelope["data"]) - RESPONSE_FIELDS
        assert not record.headers
        # The key is the commune code, nothing about the kiosk or the citizen.
        assert record.key == envelope["data"]["commune_code"].encode()
    # Live updates name units, counts and days only, never what citizens wrote.
    updates = read_topic(
        stack.settings, 1, topic=stack.settings.updates_topic, timeout=8, settle=1.0
    )
    assert updates
    text = "".join(r.value.decode() for r in updates)
    assert not [c for c in stack.comments if c in text]
    for r in updates:
        data = json.loads(r.value)["data"]
        assert set(data) == {"units", "codes", "count", "up_to", "committed_at", "spans"}
        assert set(data["spans"]) == set(data["units"])  # a unit's first and last day
        for first, last in data["spans"].values():
            assert dt.date.fromisoformat(first) <= dt.date.fromisoformat(last)


def test_every_log_line_starts_with_the_same_time_stamp(stack: Stack) -> None:
    """gunicorn's lines, its access log, the services' own lines and intake's JSON
    lines carry one time stamp, so that logs can be set side by side."""
    seen = 0
    odd = []
    kinds = set()
    for path in sorted(stack.logs.glob("*.log")):
        for line in path.read_text(errors="replace").splitlines():
            if not line.strip():
                continue
            seen += 1
            if line.startswith("{"):
                stamp = str(json.loads(line).get("ts", ""))
                kinds.add("json")
            else:
                stamp, _, rest = line.partition(" ")
                kinds.add(rest.split(" ", 2)[1] if rest.startswith("INFO gunicorn") else "")
                kinds.add("access" if rest.startswith("access ") else "")
            if not STAMP_RE.fullmatch(stamp):
                odd.append(f"{path.name}: {line[:120]}")
    print(f"[logs] {seen} lines read, {len(odd)} without the stamp")
    # Each kind of line was there to be checked: intake's JSON, gunicorn's own, access.
    assert {"json", "gunicorn", "access"} <= kinds, kinds
    assert not odd, "\n".join(odd[:20])
