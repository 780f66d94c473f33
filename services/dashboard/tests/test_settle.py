"""A page's scoring answers made to agree (model.Status.settle): pure logic over calls
whose successive answers carry given store versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

import pytest
from thuocdo_dashboard.model import SETTLE_ROUNDS, Pending, Status
from thuocdo_dashboard.scoring_client import Fetched, ScoringUnavailable

pytestmark = pytest.mark.unit

NOW = dt.datetime(2026, 11, 28, tzinfo=dt.UTC)


def answers(*versions: int | None, stale: bool = False) -> tuple[Callable[[], Fetched], list[int]]:
    """A call answering with these versions in turn (None: scoring does not answer),
    and the list counting how many times it was made."""
    made: list[int] = []
    it: Iterator[int | None] = iter(versions)

    def fn() -> Fetched:
        made.append(1)
        v = next(it)
        if v is None:
            raise ScoringUnavailable("down")
        return Fetched({"version": v, "n": v}, NOW, stale=stale)

    return fn, made


def n(status: Status, pending: Pending) -> object:
    data = status.call(pending)
    return None if data is None else data["n"]


def test_answers_of_one_version_are_asked_once() -> None:
    status = Status()
    (a, made_a), (b, made_b) = answers(7), answers(7)
    pa, pb = status.start(a), status.start(b)
    assert status.call(pa) == {"version": 7, "n": 7} and status.call(pb) == {"version": 7, "n": 7}
    assert (len(made_a), len(made_b)) == (1, 1)


def test_the_older_answer_is_asked_again_and_the_newer_is_kept() -> None:
    status = Status()
    (a, made_a), (b, made_b) = answers(7, 8), answers(8)
    pa, pb = status.start(a), status.start(b)
    assert n(status, pb) == 8  # (the first call read settles them all)
    assert n(status, pa) == 8
    assert (len(made_a), len(made_b)) == (1 + 1, 1)


def test_under_steady_traffic_it_gives_up_after_its_rounds() -> None:
    # Every new answer is newer still: each round asks the older one again.
    status = Status()
    a, made_a = answers(1, 3, 5, 99)
    b, made_b = answers(2, 4, 99)
    pa, pb = status.start(a), status.start(b)
    # round 1: 1 < 2, a again (3); round 2: 2 < 3, b again (4); then no more
    assert (n(status, pa), n(status, pb)) == (3, 4)  # the last read
    assert len(made_a) + len(made_b) == 2 + SETTLE_ROUNDS == 4


def test_answers_without_a_fresh_version_do_not_count() -> None:
    # Scoring down for one call, a kept (stale) answer for another, and an old
    # scoring without versions: nothing to agree with, nothing asked again.
    status = Status()
    down, made_down = answers(None, 9)
    kept, made_kept = answers(3, 9, stale=True)
    fresh, made_fresh = answers(8, 9)
    p_down, p_kept, p_fresh = status.start(down), status.start(kept), status.start(fresh)
    assert n(status, p_fresh) == 8
    assert n(status, p_down) is None and status.down
    assert n(status, p_kept) == 3
    assert (len(made_down), len(made_kept), len(made_fresh)) == (1, 1, 1)
