"""Delivery logic without a network: retries, Retry-After, kiosk choice, pacing,
and reading what ``thuocdo-intake kiosk add`` prints."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from thuocdo_shared.units import registry
from thuocdo_sim.generator import demo_communes, generate
from thuocdo_sim.kiosks import (
    EnrolError,
    EnrolledKiosk,
    accepts_from,
    enrol_one,
    load,
    parse_add_output,
    save,
)
from thuocdo_sim.profiles import PROFILES
from thuocdo_sim.runner import Pacer
from thuocdo_sim.senders import (
    IntakeClient,
    backoff_seconds,
    pick_kiosk,
    retry_after_seconds,
)

pytestmark = pytest.mark.unit

TOKEN = "Zk3o1oQm8c0o6mM1yW4sQ9h2Y0v7tNnB5aX-_cPqLr8"  # noqa: S105 (a made-up token)


@dataclass
class FakeAnswer:
    status_code: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return str(self.body)

    def json(self) -> Any:
        if self.body is None:
            raise ValueError("no JSON")
        return self.body


@dataclass
class FakeSession:
    script: list[FakeAnswer | Exception]
    calls: list[dict[str, Any]] = field(default_factory=list)

    def post(self, url: str, **kwargs: Any) -> FakeAnswer:
        self.calls.append({"url": url, **kwargs})
        item = self.script.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def _client(script: list[FakeAnswer | Exception]) -> tuple[IntakeClient, FakeSession, list[float]]:
    slept: list[float] = []
    kiosks = [
        EnrolledKiosk("k05953-aaaaaa", "05953", "Quầy 1", TOKEN),
        EnrolledKiosk("k05953-bbbbbb", "05953", "Quầy 2", TOKEN[::-1]),
    ]
    client = IntakeClient("http://127.0.0.1:9/", kiosks, sleep=slept.append, max_attempts=3)
    session = FakeSession(script)
    client._local.session = session
    return client, session, slept


def _response(code: str = "05953") -> Any:
    for r in generate(1, dt.date(2025, 9, 10), dt.date(2025, 9, 10)):
        if r.commune_code == code:
            return r
    raise AssertionError("no response for " + code)


def test_202_statuses_are_success_and_kiosk_fields_are_the_enrolled_ones() -> None:
    client, session, _ = _client([FakeAnswer(202, {"id": "x", "status": "duplicate"})])
    response = _response()
    outcome = client.send(response)
    assert outcome.ok and outcome.status == "duplicate"
    call = session.calls[0]
    assert call["url"] == "http://127.0.0.1:9/api/v1/responses"
    kiosk = pick_kiosk(client.by_commune["05953"], response.id)
    assert call["headers"] == {"Authorization": f"Bearer {kiosk.token}"}
    assert call["json"]["kiosk_id"] == kiosk.kiosk_id
    assert call["json"]["id"] == response.id


def test_429_waits_for_retry_after_and_does_not_use_up_attempts() -> None:
    script: list[FakeAnswer | Exception] = [
        FakeAnswer(429, {"error": "slow down"}, {"Retry-After": "2"}) for _ in range(5)
    ]
    script.append(FakeAnswer(202, {"status": "accepted"}))
    client, session, slept = _client(script)
    outcome = client.send(_response())
    assert outcome.status == "accepted"
    assert slept == [2.0] * 5
    assert len(session.calls) == 6
    # Every retry is the same response: same id, so intake dedupes it.
    assert len({c["json"]["id"] for c in session.calls}) == 1


def test_5xx_and_connection_errors_back_off_then_give_up() -> None:
    client, _, slept = _client(
        [requests.ConnectionError("refused"), FakeAnswer(503, "busy"), FakeAnswer(500, "boom")]
    )
    outcome = client.send(_response())
    assert outcome.status == "failed" and outcome.http == 500
    assert slept == [backoff_seconds(1), backoff_seconds(2), backoff_seconds(3)]


def test_other_4xx_is_rejected_at_once() -> None:
    client, _, slept = _client([FakeAnswer(403, {"error": "other commune"})])
    outcome = client.send(_response())
    assert outcome.status == "rejected" and outcome.http == 403 and not outcome.ok
    assert slept == []


def test_no_kiosk_for_a_commune_means_skipped_without_a_request() -> None:
    client, session, _ = _client([])
    outcome = client.send(_response("05908"))
    assert outcome.status == "skipped"
    assert session.calls == []


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0.5") == 0.5
    assert retry_after_seconds(None) == 1.0
    assert retry_after_seconds("soon") == 1.0
    assert retry_after_seconds("100000") == 60.0
    assert retry_after_seconds("-4") == 0.0
    in_five = email.utils.formatdate(time.time() + 5, usegmt=True)
    assert 3.0 <= retry_after_seconds(in_five) <= 5.0


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [0.25, 0.5, 1.0]
    assert backoff_seconds(20) == 8.0


def test_pick_kiosk_is_stable_per_response_and_spreads() -> None:
    kiosks = [EnrolledKiosk(f"k05908-{n}", "05908", "q", TOKEN) for n in range(3)]
    ids = [r.id for r in generate(1, dt.date(2025, 9, 10), dt.date(2025, 9, 11))]
    assert all(pick_kiosk(kiosks, i) == pick_kiosk(kiosks, i) for i in ids)
    assert len({pick_kiosk(kiosks, i).kiosk_id for i in ids}) == 3


def test_pacer_spaces_events() -> None:
    now = [100.0]
    pacer = Pacer(4.0, clock=lambda: now[0])
    assert [pacer.delay() for _ in range(3)] == [0.0, 0.25, 0.5]
    now[0] = 200.0  # idle for a while: no backlog of slots
    assert pacer.delay() == 0.0
    assert Pacer(None).delay() == 0.0


def test_parse_kiosk_add_output() -> None:
    text = (
        "kiosk k05953-1a2b3c added for 05953 Xã Kha Sơn (mode quick)\n"
        f"token (shown once, keep it safe): {TOKEN}\n"
        f"enrolment URL: http://127.0.0.1:8001/kiosk#token={TOKEN}\n"
    )
    url = f"http://127.0.0.1:8001/kiosk#token={TOKEN}"
    assert parse_add_output(text) == ("k05953-1a2b3c", TOKEN, url)
    as_json = json.dumps({"id": "k05953-1a2b3c", "token": TOKEN, "enrolment_url": url})
    assert parse_add_output("warning: something\n" + as_json) == ("k05953-1a2b3c", TOKEN, url)
    with pytest.raises(EnrolError):
        parse_add_output("error: no commune 05959 valid today")


def test_state_file_round_trip_is_private(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "sim-kiosks.json"
    kiosks = [EnrolledKiosk("k05953-1a2b3c", "05953", "Mô phỏng – Quầy 1", TOKEN)]
    assert load(path) == []
    save(path, kiosks)
    assert load(path) == kiosks
    assert path.stat().st_mode & 0o077 == 0


def test_a_set_stop_event_ends_retrying_at_once() -> None:
    import threading

    stop = threading.Event()
    stop.set()
    kiosks = [EnrolledKiosk("k05953-aaaaaa", "05953", "Quầy 1", TOKEN)]
    client = IntakeClient("http://127.0.0.1:9/", kiosks, stop=stop)
    client._local.session = FakeSession([requests.ConnectionError("refused")] * 10)
    started = time.monotonic()
    outcome = client.send(_response())
    assert outcome.status == "failed" and "stopped" in outcome.detail
    assert time.monotonic() - started < 1.0


def test_history_before_the_kiosks_commune_version_is_not_sent() -> None:
    """05953 names Xã Lương Phú until 2025-06-30 and Xã Kha Sơn since: the Kha Sơn
    kiosks may not send Lương Phú's history (intake would answer 422)."""
    client, _, _ = _client([])
    old = next(
        r
        for r in generate(1, dt.date(2025, 6, 30), dt.date(2025, 6, 30))
        if r.commune_code == "05953"
    )
    assert client.can_send(_response()) is True
    assert client.can_send(old) is False
    assert client.send(old).status == "skipped"  # no request made (the script is empty)


def test_kiosks_accept_history_from_their_commune_versions_first_day() -> None:
    today = dt.date(2026, 11, 27)
    kha_son = registry().find("05953", today)
    assert kha_son is not None
    assert accepts_from(kha_son, today) == dt.date(2025, 7, 1)
    assert accepts_from(kha_son, dt.date(2025, 6, 1)) == dt.date(2025, 6, 1)  # at most today


def test_enrol_one_asks_intake_for_history_with_accepts_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def run(argv: list[str], **kwargs: Any) -> Any:
        calls.append(argv)
        out = json.dumps({"id": "k05953-1a2b3c", "token": TOKEN, "enrolment_url": ""})
        return type("Done", (), {"returncode": 0, "stdout": out, "stderr": ""})()

    monkeypatch.setattr("thuocdo_sim.kiosks.subprocess.run", run)
    kiosk = enrol_one("thuocdo-intake", tmp_path, "05953", "Quầy 1", dt.date(2025, 7, 1))
    assert calls[0][-3:] == ["--accepts-from", "2025-07-01", "--json"]
    assert kiosk.accepts_from == "2025-07-01"
    plain = enrol_one("thuocdo-intake", tmp_path, "05953", "Quầy 2")
    assert "--accepts-from" not in calls[1] and plain.accepts_from == ""


def test_state_file_of_an_older_sim_loads_without_accepts_from(tmp_path: Path) -> None:
    path = tmp_path / "sim-kiosks.json"
    old = {"kiosk_id": "k05953-1a2b3c", "commune_code": "05953", "name": "Q", "token": TOKEN}
    path.write_text(json.dumps({"kiosks": [old]}), encoding="utf-8")
    (kiosk,) = load(path)
    assert kiosk.accepts_from == "" and kiosk.accepts(dt.date(2025, 7, 1))  # intake decides


def test_history_before_a_kiosks_accepts_from_goes_through_a_kiosk_that_accepts_it() -> None:
    late = EnrolledKiosk("k05953-late", "05953", "Quầy mới", TOKEN, accepts_from="2025-09-11")
    early = EnrolledKiosk("k05953-early", "05953", "Quầy cũ", TOKEN[::-1], "", "2025-07-01")
    response = _response()  # 2025-09-10
    alone = IntakeClient("http://127.0.0.1:9/", [late])
    alone._local.session = FakeSession([])
    assert alone.can_send(response) is False
    outcome = alone.send(response)  # no request made (the script is empty)
    assert outcome.status == "skipped" and "accepts 2025-09-10" in outcome.detail
    both = IntakeClient("http://127.0.0.1:9/", [late, early])
    session = FakeSession([FakeAnswer(202, {"status": "accepted"})])
    both._local.session = session
    assert both.can_send(response) is True
    assert both.send(response).ok
    assert session.calls[0]["json"]["kiosk_id"] == "k05953-early"


def test_kiosks_of_an_older_state_file_are_given_their_accepts_from_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Enrolled before the simulator asked for --accepts-from, a kiosk's history would be
    refused: ensure_enrolled gives it the day (intake's `kiosk accepts-from`) instead
    of enrolling another kiosk beside it."""
    from thuocdo_sim.kiosks import ensure_enrolled, save

    today = dt.date(2026, 11, 27)
    state = tmp_path / "sim-kiosks.json"
    counts = {u.code: PROFILES[u.key].kiosks for u in demo_communes(today)}
    old = [
        EnrolledKiosk(f"k{code}-{n}", code, f"Q{n}", TOKEN)
        for code, many in counts.items()
        for n in range(many)
    ]
    save(state, old)
    calls: list[list[str]] = []

    def run(argv: list[str], **kwargs: Any) -> Any:
        calls.append(argv)
        return type("Done", (), {"returncode": 0, "stdout": "ok", "stderr": ""})()

    monkeypatch.setattr("thuocdo_sim.kiosks.subprocess.run", run)
    kiosks = ensure_enrolled("thuocdo-intake", tmp_path, state, today)
    assert len(calls) == len(old)  # no new kiosk: one accepts-from each
    assert all(c[-4:-2] == ["kiosk", "accepts-from"] and c[-1] == "2025-07-01" for c in calls)
    assert {k.accepts_from for k in kiosks} == {"2025-07-01"}
    assert {k.accepts_from for k in load(state)} == {"2025-07-01"}  # kept
    ensure_enrolled("thuocdo-intake", tmp_path, state, today)
    assert len(calls) == len(old)  # nothing asked twice


def test_backfill_via_intake_says_at_once_when_intake_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """With intake away, each response was retried for about 16 s before counting as
    failed, under a progress bar that did not move: hours of silence for a month."""
    import socket

    from thuocdo_sim.cli import main

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("THUOCDO_INTAKE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("THUOCDO_DATA_DIR", str(tmp_path))
    started = time.monotonic()
    code = main(["backfill", "--from", "2025-08-01", "--to", "2025-08-31", "--via", "intake"])
    assert code == 1 and time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert err == (
        f"thuocdo-sim: intake cannot take responses: http://127.0.0.1:{port}/healthz does not"
        " answer (ConnectionError); start it (make up) or set THUOCDO_INTAKE_URL\n"
    )
    assert not (tmp_path / "sim-kiosks.json").exists()  # nothing enrolled either
