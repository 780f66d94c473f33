"""A page's scoring answers made to agree (model.Status.settle): pure logic over calls
whose successive answers carry given store versions."""

from __future__ import annotations

import datetime as dt
import threading
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


def test_a_re_ask_that_fails_or_comes_stale_leaves_the_first_answer() -> None:
    """helper-66: a re-ask answered by a timeout (or by the last-good copy) turned a
    good page into one saying scoring was down, its figure still the older one."""
    status = Status()
    a, made_a = answers(7, None, None)
    (b, _), (c, _) = answers(7, 9), answers(8, 9)
    pa, pb, pc = status.start(a), status.start(b), status.start(c)
    # round 1: 7, 7 < 8, both asked again; round 2: a's failed (7 kept), b 9, c 8 < 9
    assert n(status, pa) == 7 and not status.down  # its re-asks failed: the first stays
    assert n(status, pb) == 9  # its re-ask came back newer: taken
    assert n(status, pc) == 9
    assert len(made_a) == 3 and status.answered == 3
    status = Status()
    # fresh at 3, then (asked again twice) the last-good copy each time
    first_fresh = iter([Fetched({"version": 3, "n": 3}, NOW)] + 2 * [Fetched({}, NOW, stale=True)])
    p1 = status.start(lambda: next(first_fresh))
    p2 = status.start(lambda: Fetched({"version": 4, "n": 4}, NOW))
    assert n(status, p1) == 3 and not status.down  # the kept copy is not taken
    assert n(status, p2) == 4


def test_a_re_ask_slower_than_the_budget_leaves_the_first_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A page waited for up to three waves of calls one after the other; a re-ask not
    back within SETTLE_BUDGET_S now leaves the answer it was to replace."""
    monkeypatch.setattr("thuocdo_dashboard.model.SETTLE_BUDGET_S", 0.2)
    release = threading.Event()
    made: list[int] = []

    def first_quick_then_slow() -> Fetched:
        made.append(1)
        if len(made) > 1:
            release.wait(timeout=10)  # (let go at the end of the test)
            return Fetched({"version": 5, "n": 5}, NOW)
        return Fetched({"version": 1, "n": 1}, NOW)

    status = Status()
    pa = status.start(first_quick_then_slow)
    pb = status.start(lambda: Fetched({"version": 2, "n": 2}, NOW))
    try:
        assert n(status, pa) == 1  # asked again, not back in time: the first answer
        assert n(status, pb) == 2
        assert len(made) == 2
    finally:
        release.set()
