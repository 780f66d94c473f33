"""The event contract: each kind of bad envelope gives its own specific error."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from thuocdo_shared import events
from thuocdo_shared.events import (
    InvalidEvent,
    NotJSON,
    UnknownSchemaVersion,
    decode_response,
    encode_response,
    load_response,
)

pytestmark = pytest.mark.unit


def valid(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "submitted_at": "2025-07-02T09:15:00+07:00",
        "kiosk_id": "kha-son-1",
        "commune_code": "05953",
        "field": "ho_tich",
        "procedure_code": "1.001193",
        "overall": 4,
        "criteria": {"tc1": 5, "cc1": 2},
        "issues": ["waiting_time"],
        "comment": "Chờ đợi hơi lâu nhưng cán bộ nhiệt tình.",
        "lang": "vi",
    }
    body.update(overrides)
    return body


def envelope(data: Any, schema: str = "survey.response/1") -> bytes:
    return json.dumps({"schema": schema, "data": data}, ensure_ascii=False).encode()


def test_round_trip_keeps_every_field() -> None:
    response = load_response(valid())
    assert decode_response(encode_response(response)) == response
    assert response.criteria == {"tc1": 5, "cc1": 2}
    assert response.submitted_at.utcoffset() is not None


def test_minor_version_and_unknown_fields_are_accepted_by_consumers() -> None:
    data = valid(new_field_from_v1_1="x")
    response = decode_response(envelope(data, "survey.response/1.3"))
    assert response.id == data["id"]


def test_api_edge_rejects_unknown_fields() -> None:
    with pytest.raises(InvalidEvent) as exc:
        load_response(valid(extra=1))
    assert "extra" in exc.value.errors


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"overall": 0}, "overall", "between 1 and 5"),
        ({"overall": 6}, "overall", "between 1 and 5"),
        ({"overall": "5"}, "overall", "Not a valid integer"),
        ({"overall": 4.0}, "overall", "Not a valid integer"),
        ({"comment": "a" * 1001}, "comment", "Longer than maximum length 1000"),
        ({"commune_code": "5953"}, "commune_code", "5-digit"),
        (
            {"commune_code": "05959", "submitted_at": "2025-07-01T08:00:00+07:00"},
            "commune_code",
            "No commune 05959 on 2025-07-01",
        ),
        ({"submitted_at": "2025-07-02T09:15:00"}, "submitted_at", "timezone"),
        ({"field": "chem_gio"}, "field", "Must be one of"),
        ({"criteria": {"zz9": 3}}, "criteria", "Must be one of"),
        ({"issues": ["fees", "fees"]}, "issues", "repeat"),
        ({"comment": "xin chào\u202eevil"}, "comment", "control"),
        ({"id": "not-a-uuid"}, "id", "Not a valid UUID"),
    ],
)
def test_invalid_fields_name_the_field(change: dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(InvalidEvent) as exc:
        decode_response(envelope(valid(**change)))
    messages = json.dumps(exc.value.errors[field], ensure_ascii=False)
    assert fragment in messages, messages


def test_missing_field_is_named() -> None:
    data = valid()
    del data["overall"]
    with pytest.raises(InvalidEvent) as exc:
        decode_response(envelope(data))
    assert exc.value.errors == {"overall": ["Missing data for required field."]}


@pytest.mark.parametrize(
    "comment",
    [
        "Cả nhà 👨\u200d👩\u200d👧 đều hài lòng",  # family: joined by zero-width joiners
        "Cờ 🏳\ufe0f\u200d🌈 và 👍🏽 ❤\ufe0f",  # a flag sequence, a skin tone, a variation
    ],
)
def test_emoji_sequences_are_accepted_in_comments(comment: str) -> None:
    # A kiosk keyboard's emoji: refusing them refused the citizen's whole rating.
    assert load_response(valid(comment=comment)).comment == comment


@pytest.mark.parametrize("char", ["\u200b", "\u200e", "\u200f", "\u202e", "\u2066", "\x1b"])
def test_invisible_and_direction_characters_are_still_refused(char: str) -> None:
    with pytest.raises(InvalidEvent) as exc:
        decode_response(envelope(valid(comment=f"tốt{char}lắm")))
    assert "control" in exc.value.errors["comment"][0]


def test_comment_of_exactly_1000_characters_is_fine() -> None:
    assert load_response(valid(comment="ơ" * 1000)).comment == "ơ" * 1000


def test_comment_is_nfc_normalised_before_its_length_is_checked() -> None:
    decomposed = "o\u031b\u0300" * 1000  # "ờ" as three code points, 1000 times
    assert load_response(valid(comment=decomposed)).comment == "ờ" * 1000


def test_unknown_major_version_is_its_own_error() -> None:
    with pytest.raises(UnknownSchemaVersion) as exc:
        decode_response(envelope(valid(), "survey.response/2"))
    assert "survey.response/2" in exc.value.reason


@pytest.mark.parametrize("schema", [None, 3, "survey.response", "other.thing/1"])
def test_missing_or_foreign_schema_is_unknown(schema: Any) -> None:
    with pytest.raises(UnknownSchemaVersion):
        decode_response(json.dumps({"schema": schema, "data": valid()}).encode())


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe", b"not json", b"[1,2]", b"42", b'"s"'])
def test_non_json_bytes(raw: bytes) -> None:
    with pytest.raises(NotJSON):
        decode_response(raw)


def test_envelope_without_data() -> None:
    with pytest.raises(InvalidEvent) as exc:
        decode_response(b'{"schema":"survey.response/1"}')
    assert "data" in exc.value.errors


def test_all_errors_share_one_base_class() -> None:
    for cls in (NotJSON, UnknownSchemaVersion, InvalidEvent):
        assert issubclass(cls, events.EnvelopeError)


def test_commune_is_checked_on_the_vietnam_date_not_the_utc_date() -> None:
    # 18:00 UTC on 30 June is 01:00 on 1 July in Vietnam: Bàn Đạt (05911) was gone by then.
    with pytest.raises(InvalidEvent) as exc:
        load_response(valid(commune_code="05911", submitted_at="2025-06-30T18:00:00+00:00"))
    assert exc.value.errors["commune_code"] == ["No commune 05911 on 2025-07-01."]
    # 16:59 UTC is 23:59 on 30 June in Vietnam: still Bàn Đạt.
    assert load_response(valid(commune_code="05911", submitted_at="2025-06-30T16:59:00Z"))


def test_lone_surrogate_in_a_comment_is_refused_not_stored() -> None:
    # JSON may spell a lone surrogate (\ud800) that UTF-8 cannot encode; a consumer
    # that accepted it would fail later, when storing it.
    raw = json.dumps({"schema": "survey.response/1", "data": valid(comment="abc\ud800")})
    assert "\\ud800" in raw
    with pytest.raises(InvalidEvent) as exc:
        decode_response(raw.encode())
    assert "comment" in exc.value.errors


def test_absurd_version_numbers_are_unknown_not_a_crash() -> None:
    with pytest.raises(UnknownSchemaVersion):
        decode_response(envelope(valid(), "survey.response/" + "9" * 5000))


def test_the_suspect_reasons_are_the_three_documented() -> None:
    assert load_response(valid(suspect=["clock", "rapid_taps"])).suspect == ("clock", "rapid_taps")
    with pytest.raises(InvalidEvent) as exc:
        load_response(valid(suspect=["bot"]))
    assert "suspect" in exc.value.errors
