"""What intake's log says of a refused response (pure: the fields of the line)."""

from __future__ import annotations

from thuocdo_intake.api import refusal_fields


def test_a_422_names_each_field_with_intakes_messages_and_nested_ones_by_name() -> None:
    body = {
        "errors": {
            "comment": ["Must not contain control or direction-override characters."],
            # marshmallow keys a bad dict key by what was sent: only the field is logged
            "criteria": {"0912 345 678": {"key": ["Must be one of: tc1, tc2."]}},
            # so does an unknown field: its name is not logged
            "Chị Lan 0912": ["Unknown field."],
        }
    }
    assert refusal_fields(422, body, "k-1", "6f1c0d3e-0000-4000-8000-000000000001") == {
        "event": "refused",
        "status": 422,
        "kiosk_id": "k-1",
        "id": "6f1c0d3e-0000-4000-8000-000000000001",
        "reason": {
            "comment": ["Must not contain control or direction-override characters."],
            "criteria": ["(nested errors)"],
            "(unknown field)": ["Unknown field."],
        },
    }


def test_other_refusals_give_their_message_and_a_body_that_is_not_json_gives_none() -> None:
    answer = {"error": "Forbidden", "message": "Another commune's kiosk", "status": 403}
    assert refusal_fields(403, answer, "k-2", None)["reason"] == "Another commune's kiosk"
    assert refusal_fields(413, None, None, None)["reason"] is None
