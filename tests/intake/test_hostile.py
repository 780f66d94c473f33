"""A table of malformed and hostile requests: each gets its documented status, none
a 5xx, and none of the refused ones reaches Kafka."""

from __future__ import annotations

import http.client
import json
import time
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from thuocdo_shared.config import KafkaSettings
from thuocdo_shared.events import decode_response
from thuocdo_shared.kafka import ensure_topics

from tests.intake.helpers import auth, body, cli, enrol, intake
from tests.support.servers import ServiceProcess
from tests.support.topics import read_topic

pytestmark = pytest.mark.integration


@dataclass
class World:
    server: ServiceProcess
    settings: KafkaSettings
    home: dict[str, str]  # kiosk of 05941
    other: dict[str, str]  # kiosk of 05953
    data: Path  # intake's data directory (its kiosk file)
    accepted: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    prefix = f"t{uuid.uuid4().hex[:10]}-hostile"
    settings = KafkaSettings(
        bootstrap_servers=kafka_bootstrap, responses_topic=f"{prefix}.survey.responses.v1"
    )
    ensure_topics(settings, [settings.responses_topic])
    data = tmp_path_factory.mktemp("intake-hostile")
    home, other = enrol(data, "05941", "Quầy 1"), enrol(data, "05953", "Quầy 2")
    # The helpers' rate limit is generous: this table is not about rate limits.
    with intake(settings, data) as server:
        yield World(server, settings, home, other, data)


@dataclass(frozen=True)
class Case:
    name: str
    expect: int
    body: Any = None  # dict → JSON of a valid response updated with it; bytes → raw
    method: str = "POST"
    headers: dict[str, str] | None = None  # replaces the default headers
    token: str = "home"  # "home", "other", "none", or a literal Authorization value
    error_field: str | None = None  # the field a 422 must name
    chunked: bool = False


J = {"Content-Type": "application/json"}
BIG_COMMENT = "Chờ lâu. " * 150  # 1350 characters

CASES = [
    # -- authentication and authorisation
    Case("no token", 401, token="none"),
    Case("basic auth", 401, token="Basic dXNlcjpwYXNz"),
    Case("unknown token", 401, token="Bearer " + "A" * 43),
    Case("empty bearer", 401, token="Bearer "),
    Case("token with sql", 401, token="Bearer ' OR 1=1 --"),
    Case("other commune's kiosk", 403, token="other"),
    Case("another kiosk id", 403, {"kiosk_id": "k05941-ffffff"}),
    # -- transport
    Case("text/plain", 415, headers={"Content-Type": "text/plain"}),
    Case("no content type", 415, headers={}),
    Case(
        "form encoded",
        415,
        b"overall=5",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    Case("oversized body", 413, {"comment": "x" * 20_000}),
    Case("oversized chunked body", 413, b"[" + b"1," * 12_000 + b"1]", chunked=True),
    Case("GET", 405, method="GET"),
    Case("PUT", 405, method="PUT"),
    Case("DELETE", 405, method="DELETE"),
    # -- not a JSON object
    Case("not json", 400, b"hello"),
    Case("empty body", 400, b""),
    Case("json array", 400, b"[1, 2, 3]"),
    Case("json string", 400, b'"overall"'),
    Case("invalid utf-8", 400, b'{"comment": "\xff\xfe"}'),
    Case("byte order mark", 400, b"\xef\xbb\xbf{}"),
    Case("deep nesting", 400, b"[" * 15_000 + b"]" * 15),
    Case("5000-digit number", 400, b'{"overall": ' + b"9" * 5000 + b"}"),
    # -- wrong types and ranges
    Case("overall as string", 422, {"overall": "5"}, error_field="overall"),
    Case("overall as float", 422, {"overall": 5.0}, error_field="overall"),
    Case("overall true", 422, {"overall": True}, error_field="overall"),
    Case("overall null", 422, {"overall": None}, error_field="overall"),
    Case("overall 0", 422, {"overall": 0}, error_field="overall"),
    Case("overall 6", 422, {"overall": 6}, error_field="overall"),
    Case("overall 1e30", 422, {"overall": 10**30}, error_field="overall"),
    Case("overall infinity", 422, b"__INF__", error_field="overall"),
    Case("overall NaN", 422, b"__NAN__", error_field="overall"),
    Case("id not a uuid", 422, {"id": "1; DROP TABLE ids"}, error_field="id"),
    Case("id missing", 422, {"id": None}, error_field="id"),
    Case(
        "naive timestamp", 422, {"submitted_at": "2026-03-01T10:00:00"}, error_field="submitted_at"
    ),
    Case(
        "timestamp a day ahead", 422, {"submitted_at": "__TOMORROW__"}, error_field="submitted_at"
    ),
    Case(
        "timestamp 2010",
        422,
        {"submitted_at": "2010-01-01T08:00:00+07:00"},
        error_field="submitted_at",
    ),
    Case("short commune code", 422, {"commune_code": "5941"}, error_field="commune_code"),
    Case("unknown commune", 422, {"commune_code": "99999"}, error_field="commune_code"),
    Case("full-width digits", 422, {"commune_code": "０５９４１"}, error_field="commune_code"),
    Case("unknown field", 422, {"field": "thue"}, error_field="field"),
    Case("cyrillic homoglyph field", 422, {"field": "hо_tich"}, error_field="field"),
    Case("extra property", 422, {"is_admin": True}, error_field="is_admin"),
    Case("unknown issue", 422, {"issues": ["bribes"]}, error_field="issues"),
    Case("repeated issue", 422, {"issues": ["fees", "fees"]}, error_field="issues"),
    Case("issues not a list", 422, {"issues": "fees"}, error_field="issues"),
    Case("unknown criterion", 422, {"criteria": {"zz9": 5}}, error_field="criteria"),
    Case("criterion score 7", 422, {"criteria": {"tc1": 7}}, error_field="criteria"),
    Case("unknown suspect reason", 422, {"suspect": ["bot"]}, error_field="suspect"),
    Case("lang fr", 422, {"lang": "fr"}, error_field="lang"),
    Case("kiosk id with spaces", 422, {"kiosk_id": "k 1"}, error_field="kiosk_id"),
    Case("procedure path", 422, {"procedure_code": "../../etc"}, error_field="procedure_code"),
    Case("comment too long", 422, {"comment": BIG_COMMENT}, error_field="comment"),
    Case("right-to-left override", 422, {"comment": "tốt \u202e lắm"}, error_field="comment"),
    Case("zero-width space", 422, {"comment": "tốt\u200blắm"}, error_field="comment"),
    Case("NUL in comment", 422, {"comment": "tốt\x00lắm"}, error_field="comment"),
    # -- accepted: text is data, never markup (escaped wherever it is shown)
    Case("script tag in comment", 202, {"comment": "<script>alert('xã')</script>"}),
    Case("decomposed diacritics", 202, {"comment": unicodedata.normalize("NFD", "Rất tốt")}),
    Case("emoji joined by zero-width joiners", 202, {"comment": "Cả nhà 👨\u200d👩\u200d👧 vui"}),
]


def _request(world: World, case: Case) -> tuple[int, bytes, dict[str, str]]:
    headers = dict(J if case.headers is None else case.headers)
    token = {"home": world.home, "other": world.other}.get(case.token)
    if token is not None:
        headers.update(auth(token))
    elif case.token != "none":
        headers["Authorization"] = case.token
    if isinstance(case.body, bytes):
        raw = case.body
        valid = body(world.home)
        for marker, value in ((b"__INF__", "Infinity"), (b"__NAN__", "NaN")):
            if raw == marker:
                raw = json.dumps(valid).replace('"overall": 4', f'"overall": {value}').encode()
    else:
        data = body(world.home)
        data.update(case.body or {})
        if data.get("submitted_at") == "__TOMORROW__":
            data["submitted_at"] = time.strftime(
                "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() + 86400)
            )
        data = {k: v for k, v in data.items() if not (k == "id" and v is None)}
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
        if case.expect == 202:
            world.accepted.append(data["id"])
    conn = http.client.HTTPConnection("127.0.0.1", world.server.port, timeout=10)
    try:
        if case.chunked:
            conn.request(
                case.method,
                "/api/v1/responses",
                body=iter([raw]),
                headers=headers,
                encode_chunked=True,
            )
        else:
            conn.request(case.method, "/api/v1/responses", body=raw, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read(), dict(resp.getheaders())
    finally:
        conn.close()


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_request(world: World, case: Case) -> None:
    status, raw, headers = _request(world, case)
    assert status < 500
    assert status == case.expect, raw[:300]
    assert headers.get("Content-Type", "").startswith("application/json")
    answer = json.loads(raw)
    if status == 422:
        assert set(answer) == {"errors"}
        if case.error_field:
            assert case.error_field in answer["errors"], answer
    elif status == 202:
        assert answer["status"] == "accepted"
    else:
        assert answer["status"] == status and answer["message"]
    if status == 401:
        assert headers.get("WWW-Authenticate") == "Bearer"


def test_only_the_accepted_ones_reached_kafka(world: World) -> None:
    records = read_topic(world.settings, expect=len(world.accepted), settle=2.0)
    ids = [decode_response(r.value).id for r in records]
    assert sorted(ids) == sorted(world.accepted)
    comments = {decode_response(r.value).comment for r in records}
    assert "Rất tốt" in comments  # stored in NFC


def test_each_refusal_is_logged_with_its_kiosk_and_reason_but_not_what_was_sent(
    world: World,
) -> None:
    """A refused rating is lost on the tablet: the operator must be able to see which
    kiosk and why in intake's log, and the log must not hold what citizens typed."""
    sent = {"id": str(uuid.uuid4()), "comment": "Chị Lan 0912 345 678 \u202e"}
    case = Case("logged refusal", 422, sent, error_field="comment")
    assert _request(world, case)[0] == 422
    case_401 = Case("logged 401", 401, token="Bearer not-a-token")
    assert _request(world, case_401)[0] == 401
    gone = enrol(world.data, "05941", "Quầy đã thu hồi")
    assert cli(world.data, "kiosk", "revoke", gone["id"]).returncode == 0
    time.sleep(1.5)  # every worker's token cache (1 s)
    revoked = Case("logged revoked", 401, token=f"Bearer {gone['token']}")
    assert _request(world, revoked)[0] == 401
    deadline = time.monotonic() + 10
    refused: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        text = world.server.log_path.read_text(encoding="utf-8", errors="replace")
        lines = [json.loads(x) for x in text.splitlines() if x.startswith("{")]
        refused = [x for x in lines if x.get("event") == "refused"]
        logged = {x["id"] for x in refused} | {x["kiosk_id"] for x in refused}
        if {sent["id"], gone["id"]} <= logged:
            break
        time.sleep(0.2)
    mine = [x for x in refused if x["id"] == sent["id"]]
    assert len(mine) == 1, refused[-5:]
    assert mine[0]["level"] == "warning" and mine[0]["kiosk_id"] == world.home["id"]
    assert mine[0]["reason"] == {
        "comment": ["Must not contain control or direction-override characters."]
    }
    assert any(x["status"] == 401 and x["kiosk_id"] is None for x in refused)
    # A revoked tablet is named as such: not one more wrong token.
    assert [(x["status"], x["reason"]) for x in refused if x["kiosk_id"] == gone["id"]] == [
        (401, "the kiosk was revoked")
    ]
    # Every status of the table was logged, and no comment or token with it.
    assert {x["status"] for x in refused} >= {400, 401, 403, 413, 415, 422}
    # (the whole number: "0912" alone turned up in a request's time, "0.000912s")
    assert "0912 345 678" not in text and "Chị Lan" not in text
    assert world.home["token"] not in text and world.other["token"] not in text
    assert gone["token"] not in text


def test_rate_limit_answers_429_with_retry_after(
    kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    kiosk = enrol(tmp_path, "05941", "Quầy vội")
    env = {"THUOCDO_INTAKE_RATE_PER_MINUTE": "6", "THUOCDO_INTAKE_RATE_BURST": "2"}
    with intake(kafka_settings, tmp_path, **env) as server:
        answers = [
            requests.post(
                f"{server.url}/api/v1/responses", json=body(kiosk), headers=auth(kiosk), timeout=10
            )
            for _ in range(12)
        ]
    codes = [a.status_code for a in answers]
    # Buckets are per worker (2 workers, burst 2 each): at most 4 get through.
    assert codes.count(202) <= 4 and codes.count(429) >= 8, codes
    assert set(codes) == {202, 429}
    retry = [int(a.headers["Retry-After"]) for a in answers if a.status_code == 429]
    assert all(1 <= r <= 10 for r in retry)
