"""Index maths: estimates, means and SIPAS against hand-worked numbers."""

from __future__ import annotations

import pytest
from thuocdo_scoring.index import (
    estimate,
    levels_estimate,
    mean_100,
    mean_score,
    parse_weights,
    sipas_index,
)
from thuocdo_shared.reference import sipas

pytestmark = pytest.mark.unit


def test_estimate_from_levels() -> None:
    # levels 1..5 = 1, 1, 1, 3, 4 -> n = 10, satisfied = 3 + 4 = 7 -> 70 %,
    # Wilson 39.68 .. 89.22 (see test_wilson), small sample since 10 < 30.
    est = levels_estimate((1, 1, 1, 3, 4))
    assert est.to_dict() == {
        "n": 10,
        "satisfied": 7,
        "index": 70.0,
        "ci_low": 39.68,
        "ci_high": 89.22,
        "small_sample": True,
    }
    # mean = (1 + 2 + 3 + 4*3 + 5*4) / 10 = 38 / 10 = 3.8; 0-100: (3.8-1)/4*100 = 70.0
    assert mean_score((1, 1, 1, 3, 4)) == pytest.approx(3.8)
    assert mean_100(3.8) == pytest.approx(70.0)


def test_empty_estimate_and_threshold() -> None:
    assert estimate(0, 0).index is None
    assert estimate(0, 0).small_sample
    assert not estimate(20, 30).small_sample
    assert estimate(20, 30, small_sample=50).small_sample
    assert mean_score((0, 0, 0, 0, 0)) is None


def test_sipas_dimension_and_overall() -> None:
    # access: tc1 4/5 satisfied (80 %), tc2 1/4 (25 %) -> dimension (80 + 25)/2 = 52.5
    # procedures: tt1 2/2 (100 %) -> 100
    # civil servants, results, feedback: unanswered -> left out
    # overall = (52.5 + 100) / 2 = 76.25
    criteria = {
        "tc1": (0, 1, 0, 2, 2),
        "tc2": (1, 1, 1, 1, 0),
        "tt1": (0, 0, 0, 0, 2),
    }
    result = sipas_index(criteria, sipas(), n_responses=5)
    assert result is not None
    dims = {d.code: d for d in result.dimensions}
    assert dims["access"].index == 52.5
    assert dims["procedures"].index == 100.0
    assert dims["civil_servants"].index is None
    assert result.overall == 76.25
    assert result.n == 5 and result.small_sample  # 5 < 30
    # The flag follows the responses, not the criteria's answers: 30 is no longer small.
    assert sipas_index(criteria, sipas(), n_responses=29).small_sample  # type: ignore[union-attr]
    assert not sipas_index(criteria, sipas(), n_responses=30).small_sample  # type: ignore[union-attr]
    tc1 = next(c for c in dims["access"].criteria if c.code == "tc1")
    assert tc1.estimate.index == 80.0


def test_sipas_weights() -> None:
    # Same answers, access weighted 3: (52.5*3 + 100*1) / 4 = 257.5 / 4 = 64.375 -> 64.38
    # tc2 weighted 0 (left out): access = 80 -> overall (80*3 + 100) / 4 = 85.0
    criteria = {"tc1": (0, 1, 0, 2, 2), "tc2": (1, 1, 1, 1, 0), "tt1": (0, 0, 0, 0, 2)}
    r1 = sipas_index(criteria, sipas(), 5, weights=parse_weights("access=3"))
    r2 = sipas_index(criteria, sipas(), 5, weights={"access": 3, "tc2": 0})
    assert r1 is not None and r1.overall == 64.38
    assert r2 is not None and r2.overall == 85.0


def test_no_criteria_means_no_sipas() -> None:
    assert sipas_index({}, sipas(), 0) is None


def test_parse_weights_rejects_garbage() -> None:
    with pytest.raises(ValueError):
        parse_weights("access")
    with pytest.raises(ValueError):
        parse_weights("access=-1")
