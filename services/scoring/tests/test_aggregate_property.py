"""Incremental aggregates always equal a recomputation from the raw responses.

Random responses arrive in random batches, with redeliveries (the same id again,
as after a crash); each batch goes through ``SqliteStore.apply_batch``. At the end
the stored aggregate rows must equal ``fold`` of the distinct stored responses, and
``fold`` of the batches one after another must equal ``fold`` of all at once.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from thuocdo_scoring.aggregate import Counts, Record, contribution, fold, keys_for, total
from thuocdo_scoring.store import Filters, SqliteStore

pytestmark = pytest.mark.unit

ISSUES = ["waiting_time", "staff_attitude", "paperwork", "fees"]
CRITERIA = ["tc1", "tc2", "tt1", "cc1", "kq1", "gy1"]
START = dt.datetime(2025, 6, 29, 0, 0, tzinfo=dt.UTC)

records = st.builds(
    Record,
    id=st.sampled_from([f"id-{i}" for i in range(40)]),
    submitted_at=st.integers(0, 4 * 24 * 60).map(lambda m: START + dt.timedelta(minutes=m)),
    unit_key=st.sampled_from(["05953@-", "05953@2025-07-01", "05911@-"]),
    commune_code=st.just("05953"),
    field=st.sampled_from(["ho_tich", "dat_dai"]),
    overall=st.integers(1, 5),
    criteria=st.dictionaries(st.sampled_from(CRITERIA), st.integers(1, 5), max_size=4),
    issues=st.lists(st.sampled_from(ISSUES), unique=True, max_size=3).map(tuple),
    predicted_issue=st.none() | st.sampled_from(ISSUES),
    suspect=st.booleans(),
)


def naive(records: object) -> dict[Any, Any]:
    """The definition: each record adds its contribution to each of its rows."""
    out: dict[Any, Any] = {}
    for r in records:  # type: ignore[attr-defined]
        for key in keys_for(r):
            out[key] = out.get(key, Counts()) + contribution(r)
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batches=st.lists(st.lists(records, max_size=12), max_size=8))
def test_incremental_equals_recomputation(batches: list[list[Record]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteStore(Path(tmp) / "s.sqlite3")
        offset = 0
        incremental: dict[Any, Any] = {}
        for batch in batches:
            offset += len(batch)
            new = store.apply_batch(batch, {("t", 0): offset})
            incremental = fold(new, into=incremental)
        stored = list(store.records())
        # Each id once, and the first delivery wins.
        first: dict[str, Record] = {}
        for r in (r for b in batches for r in b):
            first.setdefault(r.id, r)
        assert sorted(r.id for r in stored) == sorted(first)
        assert store.aggregates() == fold(first.values()) == incremental == naive(first.values())
        assert store.offset("t", 0) == (offset if batches else None)
        # A query sums the same rows as a recomputation does.
        day0, day1 = dt.date(2025, 6, 1), dt.date(2025, 7, 31)
        keys = ("05953@-", "05953@2025-07-01", "05911@-")
        got = store.sum_rows(Filters(keys, day0, day1, include_suspect=True), criteria=True)
        want = total(c for k, c in fold(first.values()).items() if k[4] == "")
        if first:
            assert got[()] == want
        else:
            assert got == {}
        store.close()


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(records, max_size=40), cuts=st.lists(st.integers(0, 40), max_size=6))
def test_fold_in_pieces_equals_fold_at_once(rows: list[Record], cuts: list[int]) -> None:
    """Pure path, no store: folding batch by batch into the running aggregate gives
    the same rows as folding everything at once, and as the definition."""
    bounds = sorted({0, len(rows), *(c for c in cuts if c <= len(rows))})
    running: dict[Any, Any] = {}
    for a, b in itertools.pairwise(bounds):
        running = fold(rows[a:b], into=running)
    assert running == fold(rows) == naive(rows)
