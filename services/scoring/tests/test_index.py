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
    assert mean_100((1, 1, 1, 3, 4)) == pytest.approx(70.0)


def test_the_0_100_mean_is_rounded_once() -> None:
    # Six 1s and a 4: mean 10/7 = 1.428571..., (0.428571... / 4) * 100 = 10.714... -> 10.71.
    # From the 4-decimal mean 1.4286 it came out 10.72.
    assert mean_score((6, 0, 0, 1, 0)) == 1.4286
    assert mean_100((6, 0, 0, 1, 0)) == 10.71


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
    # 30 responses are not a small sample, but these dimensions (5 and 2 answers) are:
    # the overall index then rests on them alone, and says so.
    assert sipas_index(criteria, sipas(), n_responses=30).small_sample  # type: ignore[union-attr]
    assert dims["access"].small_sample and dims["access"].in_overall
    assert result.left_out == ()
    tc1 = next(c for c in dims["access"].criteria if c.code == "tc1")
    assert tc1.estimate.index == 80.0


def test_a_dimension_with_few_answers_does_not_move_the_overall_index() -> None:
    """200 responses answer access, procedures, civil servants and results all 5; one
    answers gy1 (feedback) with 1. The overall index was (4 * 100 + 0) / 5 = 80: one
    answer moved it by 20 points, and nothing said so."""
    criteria = {c: (0, 0, 0, 0, 200) for c in ("tc1", "tt1", "cc1", "kq1")}
    criteria["gy1"] = (1, 0, 0, 0, 0)
    result = sipas_index(criteria, sipas(), n_responses=200)
    assert result is not None
    assert result.overall == 100.0 and not result.small_sample
    assert result.left_out == ("feedback",)
    feedback = {d.code: d for d in result.dimensions}["feedback"]
    assert (feedback.index, feedback.n, feedback.small_sample) == (0.0, 1, True)
    assert not feedback.in_overall
    # Wilson at 0 of 1: 0 .. 79.35 (see test_wilson).
    assert (feedback.ci_low, feedback.ci_high) == (0.0, 79.35)
    as_dict = result.to_dict()
    assert as_dict["left_out"] == ["feedback"]
    assert [d["in_overall"] for d in as_dict["dimensions"]] == [True, True, True, True, False]
    # With 30 answers the dimension counts: (4 * 100 + 0) / 5 = 80.
    criteria["gy1"] = (30, 0, 0, 0, 0)
    counted = sipas_index(criteria, sipas(), n_responses=200)
    assert counted is not None and counted.overall == 80.0 and counted.left_out == ()


def test_a_dimension_carries_a_wilson_interval_on_its_least_answered_criterion() -> None:
    # access: tc1 4/5, tc2 1/4 -> 52.5 %, on n = 4 (tc2). Wilson, z = 1.959964:
    # z^2 = 3.841459; denominator 1 + z^2/4 = 1.960365;
    # centre (0.525 + z^2/8) / 1.960365 = 1.005182 / 1.960365 = 0.512753;
    # half 1.959964 * sqrt(0.525 * 0.475 / 4 + z^2/64) / 1.960365
    #    = 1.959964 * sqrt(0.062344 + 0.060023) / 1.960365 = 0.349738
    # -> 16.30 .. 86.25.
    criteria = {"tc1": (0, 1, 0, 2, 2), "tc2": (1, 1, 1, 1, 0)}
    result = sipas_index(criteria, sipas(), n_responses=5)
    assert result is not None
    access = result.dimensions[0]
    assert (access.index, access.n, access.ci_low, access.ci_high) == (52.5, 5, 16.3, 86.25)


def test_the_overall_index_is_rounded_once() -> None:
    # access 0/3 -> 0; procedures tt1 2/3 -> 66.666...; civil servants cc1 1/7 -> 14.2857...
    # overall (0 + 66.6667 + 14.2857) / 3 = 26.984 -> 26.98; from the rounded dimensions
    # (0 + 66.67 + 14.29) / 3 = 26.9867 it came out 26.99.
    criteria = {"tc1": (3, 0, 0, 0, 0), "tt1": (1, 0, 0, 2, 0), "cc1": (6, 0, 0, 0, 1)}
    result = sipas_index(criteria, sipas(), n_responses=7)
    assert result is not None
    assert [d.index for d in result.dimensions[:3]] == [0.0, 66.67, 14.29]
    assert result.overall == 26.98


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
    # nan made the overall index NaN, which is not JSON; inf made it nan.
    for bad in ("access=nan", "access=inf", "tc1=-inf", "=2", "access=hai"):
        with pytest.raises(ValueError):
            parse_weights(bad)


def test_parse_weights_knows_the_questionnaire() -> None:
    assert parse_weights("access=2,tc1=0.5", sipas()) == {"access": 2.0, "tc1": 0.5}
    with pytest.raises(ValueError, match="no dimension or criterion acess") as typo:
        parse_weights("acess=2", sipas())  # was ignored silently
    assert "access" in str(typo.value) and "gy1..gy3" in str(typo.value)
    with pytest.raises(ValueError, match="every dimension has weight 0"):
        parse_weights("access=0,procedures=0,civil_servants=0,results=0,feedback=0", sipas())
    assert parse_weights("access=0,procedures=0", sipas()) == {"access": 0.0, "procedures": 0.0}
