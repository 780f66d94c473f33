"""Intake-only rules: clock skew, kiosk binding, tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_intake.rules import (
    Kiosk,
    binding_problem,
    earliest_moment,
    enrolment_errors,
    era_errors,
    future_errors,
)
from thuocdo_intake.tokens import bearer_token, hash_token, new_token
from thuocdo_shared.events import load_response
from thuocdo_shared.units import registry

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)
KIOSK = Kiosk(id="k05941-abc", name="Quầy 1", commune_code="05941")


def _response(**over: object):  # type: ignore[no-untyped-def]
    data = {
        "id": "2f1c7c1e-0c1a-4f52-9a43-1f0d7c1b2a11",
        "submitted_at": "2026-03-01T15:00:00+07:00",  # = NOW
        "kiosk_id": "k05941-abc",
        "commune_code": "05941",
        "field": "ho_tich",
        "overall": 4,
    }
    data.update(over)
    return load_response(data)


@pytest.mark.parametrize(
    ("submitted", "rejected"),
    [
        ("2026-03-01T15:10:00+07:00", False),  # exactly 10 minutes ahead
        ("2026-03-01T15:10:01+07:00", True),  # one second more
        ("2026-03-01T08:10:01+00:00", True),  # same instant in UTC
        ("2025-12-31T23:00:00+07:00", False),  # old: an offline kiosk catching up
    ],
)
def test_future_limit_is_ten_minutes(submitted: str, rejected: bool) -> None:
    errors = future_errors(_response(submitted_at=submitted), NOW, 600)
    assert bool(errors) is rejected
    if rejected:
        assert list(errors) == ["submitted_at"]


def test_binding_to_commune_and_kiosk() -> None:
    assert binding_problem(_response(), KIOSK) is None
    assert "commune" in str(binding_problem(_response(commune_code="05953"), KIOSK))
    assert "kiosk_id" in str(binding_problem(_response(kiosk_id="k05941-xyz"), KIOSK))


def test_token_hash_is_sha256_hex_and_tokens_are_long() -> None:
    assert hash_token("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) == 43 for t in tokens)


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer", None),
        ("", None),
        (None, None),
        ("Bearer " + "x" * 300, None),
    ],
)
def test_bearer_header(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


KHA_SON = Kiosk(id="k05953-abc", name="Quầy 1", commune_code="05953", unit_key="05953@2025-07-01")
LUONG_PHU = Kiosk(id="k05953-old", name="Quầy 1", commune_code="05953", unit_key="05953@-")


@pytest.mark.parametrize(
    ("kiosk", "submitted", "message"),
    [
        (KHA_SON, "2025-07-01T00:00:00+07:00", None),  # its first day
        (KHA_SON, "2026-03-01T15:00:00+07:00", None),
        # A tablet whose clock reset: 2025-06-30 in Vietnam belongs to Xã Lương Phú.
        (
            KHA_SON,
            "2025-06-30T23:59:59+07:00",
            "Before this kiosk's commune (Xã Kha Sơn) existed (2025-07-01).",
        ),
        # 2025-06-30T17:30Z is 2025-07-01 00:30 in Vietnam: the local date decides.
        (KHA_SON, "2025-06-30T17:30:00+00:00", None),
        (
            KHA_SON,
            "2025-06-15T09:00:00+07:00",
            "Before this kiosk's commune (Xã Kha Sơn) existed (2025-07-01).",
        ),
        (LUONG_PHU, "2025-06-15T09:00:00+07:00", None),
        (
            LUONG_PHU,
            "2025-07-02T09:00:00+07:00",
            "After this kiosk's commune (Xã Lương Phú) was abolished (2025-06-30).",
        ),
        (Kiosk(id="k05953-abc", name="Q", commune_code="05953"), "2025-06-15T09:00:00+07:00", None),
    ],
)
def test_era_is_the_kiosks_own_commune_version(
    kiosk: Kiosk, submitted: str, message: str | None
) -> None:
    response = _response(kiosk_id=kiosk.id, commune_code="05953", submitted_at=submitted)
    errors = era_errors(response, kiosk, registry())
    assert errors == ({} if message is None else {"submitted_at": [message]})


# Enrolled 2026-11-27 10:00 in Vietnam (03:00 UTC, as the registry stores it).
ENROLLED = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
NEW_KIOSK = Kiosk(id="k05941-abc", name="Quầy 1", commune_code="05941", enrolled_at=ENROLLED)
BACKFILLER = Kiosk(
    id="k05941-abc",
    name="Quầy 1",
    commune_code="05941",
    enrolled_at=ENROLLED,
    accepts_from=dt.date(2025, 7, 1),
)
BEFORE_ENROLMENT = "Before this kiosk was enrolled (2026-11-27T10:00+07:00)."


@pytest.mark.parametrize(
    ("kiosk", "submitted", "message"),
    [
        (NEW_KIOSK, "2026-11-27T10:00:00+07:00", None),  # the enrolment itself
        (NEW_KIOSK, "2026-11-27T09:50:00+07:00", None),  # exactly the skew before
        (NEW_KIOSK, "2026-11-27T02:50:00+00:00", None),  # the same instant in UTC
        (NEW_KIOSK, "2026-11-27T09:55:30+07:00", None),  # within the skew
        (NEW_KIOSK, "2026-11-27T09:49:59+07:00", BEFORE_ENROLMENT),  # one second more
        (NEW_KIOSK, "2026-11-27T02:49:59+00:00", BEFORE_ENROLMENT),
        # The tester's case: a closed quarter (Q3/2025) from a kiosk enrolled today.
        (NEW_KIOSK, "2025-08-01T10:00:00+07:00", BEFORE_ENROLMENT),
        (NEW_KIOSK, "2026-11-28T08:00:00+07:00", None),  # later: an offline queue
        # Enrolled with --accepts-from 2025-07-01: from 00:00 that day in Vietnam, less skew.
        (BACKFILLER, "2025-08-01T10:00:00+07:00", None),
        (BACKFILLER, "2025-07-01T00:00:00+07:00", None),
        (BACKFILLER, "2025-06-30T23:50:00+07:00", None),
        (
            BACKFILLER,
            "2025-06-30T23:49:59+07:00",
            "Before the first day this kiosk may send (2025-07-01).",
        ),
        (
            BACKFILLER,
            "2025-06-30T16:49:59+00:00",  # = 23:49:59 in Vietnam
            "Before the first day this kiosk may send (2025-07-01).",
        ),
        (KIOSK, "2025-01-01T08:00:00+07:00", None),  # no enrolment time: no limit here
    ],
)
def test_no_response_dated_before_the_kiosk_was_enrolled(
    kiosk: Kiosk, submitted: str, message: str | None
) -> None:
    errors = enrolment_errors(_response(submitted_at=submitted), kiosk, 600)
    assert errors == ({} if message is None else {"submitted_at": [message]})


def test_enrolment_limit_follows_the_configured_skew() -> None:
    late = _response(submitted_at="2026-11-27T09:59:00+07:00")  # one minute early
    assert enrolment_errors(late, NEW_KIOSK, 60) == {}
    assert enrolment_errors(late, NEW_KIOSK, 59) == {"submitted_at": [BEFORE_ENROLMENT]}


def test_earliest_moment_is_accepts_from_at_midnight_in_vietnam() -> None:
    assert earliest_moment(NEW_KIOSK) == ENROLLED
    assert earliest_moment(BACKFILLER) == dt.datetime(2025, 6, 30, 17, 0, tzinfo=dt.UTC)
    assert earliest_moment(KIOSK) is None
