"""When a page says its figures stopped moving (pure rule over scoring's answer)."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_dashboard.model import MISSING, stalled

pytestmark = pytest.mark.unit

SEEN = "2026-11-27T05:00:00+00:00"


def test_a_recent_heartbeat_is_fresh_an_old_one_is_stalled() -> None:
    assert stalled({"seen_at": SEEN, "age_s": 120.0}, 120.0) == (False, None)  # not over
    stale, since = stalled({"seen_at": SEEN, "age_s": 120.5}, 120.0)
    assert stale and since == dt.datetime(2026, 11, 27, 5, tzinfo=dt.UTC)


def test_no_heartbeat_ever_is_stalled_and_an_older_scoring_says_nothing() -> None:
    assert stalled(None, 120.0) == (True, None)  # no consumer ever ran
    assert stalled(MISSING, 120.0) == (False, None)  # no such field: nothing known
    assert stalled({"seen_at": "soon", "age_s": 900}, 120.0) == (True, None)
