"""Intake through gunicorn against the real broker: round trip, duplicates,
revocation, kiosk configuration, OpenAPI, readiness and metrics."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import decode_response, load_response
from thuocdo_shared.units import LOCAL_TZ

from tests.intake.helpers import auth, body, cli, enrol, intake
from tests.support.servers import ServiceProcess
from tests.support.topics import read_topic

pytestmark = pytest.mark.integration


@pytest.fixture
def server(kafka_settings: KafkaSettings, tmp_path: Path) -> Iterator[ServiceProcess]:
    with intake(kafka_settings, tmp_path) as proc:
        yield proc


def _post(server: ServiceProcess, kiosk: dict[str, str], data: dict[str, Any]) -> Any:
    return requests.post(
        f"{server.url}/api/v1/responses", json=data, headers=auth(kiosk), timeout=10
    )


def test_response_round_trip_and_duplicate_published_once(
    server: ServiceProcess, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    kiosk = enrol(tmp_path, "05941", "Quầy 1")
    first = body(kiosk, comment="Thủ tục nhanh gọn, cán bộ nhiệt tình. Cảm ơn!", overall=5)
    second = body(kiosk, overall=2, issues=["waiting_time", "paperwork"], comment=None)
    answers = [_post(server, kiosk, first), _post(server, kiosk, second)]
    answers += [_post(server, kiosk, first), _post(server, kiosk, second)]
    assert [a.status_code for a in answers] == [202] * 4
    assert [a.json()["status"] for a in answers] == ["accepted", "accepted"] + ["duplicate"] * 2
    assert answers[0].json()["id"] == first["id"]

    records = read_topic(kafka_settings, expect=2, settle=3.0)
    assert len(records) == 2, "each id must be on the topic exactly once"
    by_id = {decode_response(r.value).id: r for r in records}
    for sent in (first, second):
        record = by_id[sent["id"]]
        assert record.key == b"05941"
        assert decode_response(record.value) == load_response(sent)


def test_revoked_kiosk_is_refused_within_a_second(server: ServiceProcess, tmp_path: Path) -> None:
    kiosk = enrol(tmp_path, "05953", "Quầy Kha Sơn")
    assert _post(server, kiosk, body(kiosk, "05953")).status_code == 202
    listing = cli(tmp_path, "kiosk", "list")
    assert kiosk["id"] in listing.stdout and kiosk["token"] not in listing.stdout
    assert cli(tmp_path, "kiosk", "revoke", kiosk["id"]).returncode == 0
    revoked_at = time.monotonic()
    time.sleep(1.1)
    # Hit both workers a few times: none may still accept the token.
    codes = {_post(server, kiosk, body(kiosk, "05953")).status_code for _ in range(6)}
    assert codes == {401}
    assert time.monotonic() - revoked_at < 5
    again = cli(tmp_path, "kiosk", "revoke", kiosk["id"])  # done already: said, no error
    assert again.returncode == 0 and "was already revoked" in again.stdout
    assert cli(tmp_path, "kiosk", "revoke", "k05953-000000").returncode == 1


def test_backdated_response_before_the_kiosks_commune_existed_is_refused(
    server: ServiceProcess, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """05953 is Xã Lương Phú until 2025-06-30 and Xã Kha Sơn from 2025-07-01: a Kha
    Sơn kiosk whose clock reset must not file a response under Lương Phú (even one
    enrolled to backfill history from its first day: the commune's era is said)."""
    kiosk = enrol(tmp_path, "05953", "Quầy Kha Sơn", "--accepts-from", "2025-07-01")
    old = _post(server, kiosk, body(kiosk, "05953", submitted_at="2025-06-15T09:00:00+07:00"))
    assert old.status_code == 422
    assert old.json() == {
        "errors": {
            "submitted_at": ["Before this kiosk's commune (Xã Kha Sơn) existed (2025-07-01)."]
        }
    }
    fine = body(kiosk, "05953", submitted_at="2025-07-01T08:00:00+07:00")
    assert _post(server, kiosk, fine).status_code == 202
    records = read_topic(kafka_settings, expect=1, settle=1.0)
    assert [decode_response(r.value).id for r in records] == [fine["id"]]


def test_response_dated_before_the_kiosk_was_enrolled_is_refused(
    server: ServiceProcess, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """A kiosk enrolled today cannot have taken a response in a closed quarter: 422,
    not published. One enrolled with --accepts-from may backfill from that day."""
    kiosk = enrol(tmp_path, "05941", "Quầy mới")
    enrolled = dt.datetime.now(LOCAL_TZ)
    q3 = _post(server, kiosk, body(kiosk, submitted_at="2025-08-01T10:00:00+07:00"))
    assert q3.status_code == 422
    (message,) = q3.json()["errors"]["submitted_at"]
    assert list(q3.json()) == ["errors"] and list(q3.json()["errors"]) == ["submitted_at"]
    start = re.fullmatch(r"Before this kiosk was enrolled \((.+)\)\.", message)
    assert start is not None, message
    assert abs(dt.datetime.fromisoformat(start[1]) - enrolled) < dt.timedelta(minutes=2)
    hour_ago = (enrolled - dt.timedelta(hours=1)).isoformat(timespec="seconds")
    assert _post(server, kiosk, body(kiosk, submitted_at=hour_ago)).status_code == 422
    # Within the clock skew allowed (10 minutes): a tablet a little behind.
    skewed = body(kiosk, submitted_at=(enrolled - dt.timedelta(minutes=5)).isoformat())
    assert _post(server, kiosk, skewed).status_code == 202

    history = enrol(tmp_path, "05941", "Quầy lịch sử", "--accepts-from", "2025-08-01")
    backfilled = body(history, submitted_at="2025-08-01T10:00:00+07:00")
    assert _post(server, history, backfilled).status_code == 202
    too_early = body(history, submitted_at="2025-07-31T12:00:00+07:00")
    refused = _post(server, history, too_early)
    assert refused.status_code == 422
    assert refused.json() == {
        "errors": {"submitted_at": ["Before the first day this kiosk may send (2025-08-01)."]}
    }

    records = read_topic(kafka_settings, expect=2, settle=2.0)
    assert sorted(decode_response(r.value).id for r in records) == sorted(
        [skewed["id"], backfilled["id"]]
    )
    metrics = requests.get(f"{server.url}/metrics", timeout=5).text
    assert 'thuocdo_intake_responses_total{status="422"} 3.0' in metrics


def test_cli_refuses_a_commune_not_valid_today(tmp_path: Path) -> None:
    done = cli(tmp_path, "kiosk", "add", "--commune", "05950", "--name", "Quầy cũ")
    assert done.returncode != 0
    assert "05950" in done.stderr and "valid" in done.stderr
    done = cli(tmp_path, "kiosk", "add", "--commune", "05941", "--name", "Q", "--field", "xyz")
    assert done.returncode != 0 and "field" in done.stderr


def test_kiosk_config_openapi_ready_and_metrics(server: ServiceProcess, tmp_path: Path) -> None:
    kiosk = enrol(tmp_path, "05941", "Quầy 2", "--mode", "sipas", "--field", "dat_dai")
    assert requests.get(f"{server.url}/api/v1/kiosk/config", timeout=5).status_code == 401
    config = requests.get(f"{server.url}/api/v1/kiosk/config", headers=auth(kiosk), timeout=5)
    assert config.status_code == 200
    cfg = config.json()
    assert cfg["kiosk"] == {
        "id": kiosk["id"],
        "name": "Quầy 2",
        "commune_code": "05941",
        "commune_name": "Xã Điềm Thụy",
        "mode": "sipas",
        "field": "dat_dai",
    }
    assert sum(len(d["criteria"]) for d in cfg["sipas"]) == 19
    # The page an open tablet should run, and the page as served: the same version,
    # in the asset URLs too (a reload after an upgrade gets the new script).
    page = requests.get(f"{server.url}/kiosk", timeout=5).text
    version = cfg["page_version"]
    assert len(version) == 12 and f'<html lang="vi" data-version="{version}">' in page
    assert f"/static/kiosk.js?v={version}" in page and f"/static/kiosk.css?v={version}" in page
    assert [s["vi"] for s in cfg["scale"]] == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
    ]

    spec = requests.get(f"{server.url}/api/v1/openapi.json", timeout=5).json()
    schema = spec["components"]["schemas"]["SurveyResponse"]
    assert {"id", "submitted_at", "kiosk_id", "commune_code", "field", "overall"} <= set(
        schema["required"]
    )
    post = spec["paths"]["/api/v1/responses"]["post"]
    assert {"202", "400", "401", "403", "413", "415", "422", "429"} <= set(post["responses"])

    ready = requests.get(f"{server.url}/readyz", timeout=5)
    assert ready.status_code == 200 and ready.json()["kafka"] is True

    assert _post(server, kiosk, body(kiosk, field="dat_dai")).json()["status"] == "accepted"
    requests.post(f"{server.url}/api/v1/responses", data="x", timeout=5)  # a 401
    metrics = requests.get(f"{server.url}/metrics", timeout=5).text
    assert 'thuocdo_intake_responses_total{status="accepted"} 1.0' in metrics
    assert 'thuocdo_intake_responses_total{status="401"} 1.0' in metrics
    assert "thuocdo_intake_publish_seconds_count 1.0" in metrics
    assert "thuocdo_intake_spool_depth" in metrics
