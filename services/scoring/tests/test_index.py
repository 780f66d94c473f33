"""Index maths: estimates, means and SIPAS against hand-worked numbers."""

from __future__ import annotations

import itertools

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
    # From 30 answers up, plain weighted means (weights 1):
    # access: tc1 40/50 satisfied (80 %), tc2 10/40 (25 %) -> (80 + 25) / 2 = 52.5
    # procedures: tt1 30/30 (100 %) -> 100
    # civil servants, results, feedback: unanswered -> left out
    # overall = (52.5 + 100) / 2 = 76.25
    criteria = {
        "tc1": (0, 10, 0, 20, 20),
        "tc2": (10, 10, 10, 10, 0),
        "tt1": (0, 0, 0, 0, 30),
    }
    result = sipas_index(criteria, sipas(), n_responses=50)
    assert result is not None
    dims = {d.code: d for d in result.dimensions}
    assert dims["access"].index == 52.5
    assert dims["procedures"].index == 100.0
    assert dims["civil_servants"].index is None
    assert result.overall == 76.25
    assert not result.small_sample and result.damped == ()
    assert [d.overall_weight for d in result.dimensions] == [0.5, 0.5, 0.0, 0.0, 0.0]
    tc1 = next(c for c in dims["access"].criteria if c.code == "tc1")
    assert tc1.estimate.index == 80.0
    assert sipas_index(criteria, sipas(), n_responses=29).small_sample  # type: ignore[union-attr]


def test_a_half_is_rounded_up_as_in_a_spreadsheet() -> None:
    # 1 of 32 satisfied = 3.125 %: round() gave 3.12 (half to even); Excel's ROUND
    # gives 3.13. 1 of 160 = 0.625 -> 0.63.
    assert levels_estimate((31, 0, 0, 0, 1)).index == 3.13
    assert levels_estimate((159, 0, 0, 0, 1)).index == 0.63
    # 1, 2, 2, 2 -> mean 1.75 -> (1.75 - 1) / 4 = 18.75 % exactly, as written.
    assert mean_100((1, 3, 0, 0, 0)) == 18.75
    # From the integers, not from a fraction first (helper-70): 100 * (23 / 160) is
    # 14.374999999999998 in floating point; 2300 / 160 = 14.375 -> 14.38.
    assert levels_estimate((137, 0, 0, 0, 23)).index == 14.38
    # Thirty-nine 1s and a 2: 25 * (41 - 40) / 40 = 0.625 -> 0.63 (was 0.62).
    assert mean_100((39, 1, 0, 0, 0)) == 0.63
    assert mean_score((39, 1, 0, 0, 0)) == 1.025


def test_the_overall_sipas_index_has_its_interval() -> None:
    """ "Every index carries n and a 95% interval (Wilson)": the overall one too, on
    the effective n of its dimensions, at most the responses that answered."""
    # One dimension: tc1 8/10 -> overall 80 on n 10 -> Wilson 49.02 .. 94.33
    # (centre 0.716744 +- 0.226574, as for any 8 of 10).
    one = sipas_index({"tc1": (0, 2, 0, 0, 8)}, sipas(), n_responses=10)
    assert one is not None
    assert (one.overall, one.ci_low, one.ci_high) == (80.0, 49.02, 94.33)
    assert one.to_dict()["ci_low"] == 49.02 and one.to_dict()["ci_high"] == 94.33
    # Two: access tc1 24/30 (80 %, weight 1), feedback gy1 5/10 (50 %, weight 10/30):
    # overall = (80 + 50/3) / (4/3) = 72.5. Effective n = (4/3)^2 / (1/30 + (1/9)/10)
    # = 1.7778 / 0.04444 = 40, at most the best part's 30 and the 30 responses:
    # Wilson(0.725, 30) = 54.69 .. 85.21.
    two = sipas_index({"tc1": (0, 6, 0, 0, 24), "gy1": (5, 0, 0, 0, 5)}, sipas(), n_responses=30)
    assert two is not None
    assert (two.overall, two.ci_low, two.ci_high) == (72.5, 54.69, 85.21)
    # Fewer responses than the effective n would say: the responses bound it.
    capped = sipas_index({"tc1": (0, 6, 0, 0, 24), "gy1": (5, 0, 0, 0, 5)}, sipas(), n_responses=10)
    assert capped is not None and capped.overall == 72.5
    assert (capped.ci_low, capped.ci_high) == (41.92, 90.59)  # Wilson(0.725, 10)


def test_small_samples_weigh_by_their_answers() -> None:
    # Under 30 answers a weight counts n/30 of itself:
    # access: tc1 4/5 (80 %, weight 5/30), tc2 1/4 (25 %, 4/30)
    #   -> (80 * 5 + 25 * 4) / 9 = 500 / 9 = 55.556 -> 55.56, n 5
    # procedures: tt1 2/2 (100 %) -> 100, n 2
    # overall: (55.556 * 5 + 100 * 2) / 7 = 477.78 / 7 = 68.254 -> 68.25
    criteria = {"tc1": (0, 1, 0, 2, 2), "tc2": (1, 1, 1, 1, 0), "tt1": (0, 0, 0, 0, 2)}
    result = sipas_index(criteria, sipas(), n_responses=5)
    assert result is not None
    access, procedures = result.dimensions[:2]
    assert (access.index, access.n, procedures.index, procedures.n) == (55.56, 5, 100.0, 2)
    assert result.overall == 68.25
    # 5/7 and 2/7 of the overall weight
    assert (access.overall_weight, procedures.overall_weight) == (0.7143, 0.2857)
    assert result.small_sample and result.damped == ("access", "procedures")
    # 30 responses, but only small dimensions: still flagged.
    assert sipas_index(criteria, sipas(), n_responses=30).small_sample  # type: ignore[union-attr]


def test_a_dimension_with_few_answers_does_not_move_the_overall_index() -> None:
    """200 responses answer access, procedures, civil servants and results all 5; one
    answers gy1 (feedback) with 1. The overall index was (4 * 100 + 0) / 5 = 80: one
    answer moved it by 20 points, and nothing said so. Nor may a hard cut-off at 30
    answers move it by 20 points at the thirtieth."""
    criteria = {c: (0, 0, 0, 0, 200) for c in ("tc1", "tt1", "cc1", "kq1")}

    def overall(feedback_answers: int) -> float:
        result = sipas_index(
            {**criteria, "gy1": (feedback_answers, 0, 0, 0, 0)}, sipas(), n_responses=200
        )
        assert result is not None and result.overall is not None
        return result.overall

    # feedback weighs 1/30: 400 / (4 + 1/30) = 99.174 -> 99.17
    result = sipas_index({**criteria, "gy1": (1, 0, 0, 0, 0)}, sipas(), n_responses=200)
    assert result is not None
    assert result.overall == 99.17 and not result.small_sample
    assert result.damped == ("feedback",)
    feedback = {d.code: d for d in result.dimensions}["feedback"]
    assert (feedback.index, feedback.n, feedback.small_sample) == (0.0, 1, True)
    # its share: (1/30) / (4 + 1/30) = 0.008264
    assert feedback.overall_weight == 0.0083
    # Wilson at 0 of 1: 0 .. 79.35 (see test_wilson).
    assert (feedback.ci_low, feedback.ci_high) == (0.0, 79.35)
    assert result.to_dict()["damped"] == ["feedback"]
    # 29 answers: 400 / (4 + 29/30) = 80.537; 30 and more: 400 / 5 = 80.
    assert [overall(n) for n in (29, 30, 31)] == [80.54, 80.0, 80.0]
    # Each answer moves it a little, never by a whole dimension's weight.
    steps = [overall(n) for n in range(1, 32)]
    assert all(0 <= a - b < 1.2 for a, b in itertools.pairwise(steps)), steps


def test_a_criterion_with_few_answers_weighs_by_them_too() -> None:
    # tc1..tc3 200/200, tc4 0/1: (3 * 100 + 0 * 1/30) / (3 + 1/30) = 300 / 3.0333 = 98.90
    # (it was 75, the one answer a full quarter of the dimension)
    criteria = {c: (0, 0, 0, 0, 200) for c in ("tc1", "tc2", "tc3")}
    criteria["tc4"] = (1, 0, 0, 0, 0)
    result = sipas_index(criteria, sipas(), n_responses=200)
    assert result is not None
    assert result.dimensions[0].index == 98.9 and result.overall == 98.9
    # A criterion weighted 0 counts in neither the index nor the dimension's n.
    weighted = sipas_index(
        {"tc1": (0, 0, 0, 0, 100), "tc2": (2, 0, 0, 0, 0)}, sipas(), 100, weights={"tc1": 0}
    )
    assert weighted is not None
    assert (weighted.dimensions[0].index, weighted.dimensions[0].n) == (0.0, 2)
    assert weighted.small_sample


def test_a_dimension_carries_a_wilson_interval_on_its_effective_n() -> None:
    # access: tc1 4/5, tc2 1/4 -> 55.556 % (see above), weights w1 = 5/30, w2 = 4/30.
    # Effective n: (w1 + w2)^2 / (w1^2/5 + w2^2/4) = 0.09 / (0.005556 + 0.004444) = 9,
    # at most the largest n, 5. Wilson at p = 0.555556, n = 5, z = 1.959964:
    # z^2 = 3.841459; denominator 1 + z^2/5 = 1.768292;
    # centre (0.555556 + z^2/10) / 1.768292 = 0.939702 / 1.768292 = 0.531418;
    # half 1.959964 * sqrt(0.555556 * 0.444444 / 5 + z^2/100) / 1.768292
    #    = 1.959964 * sqrt(0.049383 + 0.038415) / 1.768292 = 0.328425
    # -> 20.30 .. 85.98.
    criteria = {"tc1": (0, 1, 0, 2, 2), "tc2": (1, 1, 1, 1, 0)}
    result = sipas_index(criteria, sipas(), n_responses=5)
    assert result is not None
    access = result.dimensions[0]
    assert (access.index, access.n, access.ci_low, access.ci_high) == (55.56, 5, 20.3, 85.98)
    # Many answers to three criteria and one to a fourth: the interval is that of the
    # 200 (not of 1, which would say nothing).
    many = {c: (0, 0, 0, 0, 200) for c in ("tc1", "tc2", "tc3")} | {"tc4": (1, 0, 0, 0, 0)}
    access = sipas_index(many, sipas(), n_responses=200).dimensions[0]  # type: ignore[union-attr]
    assert access.ci_high is not None and access.ci_low is not None
    assert access.ci_high - access.ci_low < 5


def test_the_overall_index_is_rounded_once() -> None:
    # access tc1 0/30 -> 0; procedures tt1 20/30 -> 66.666...; civil servants cc1
    # 30/210 -> 14.2857... (all weigh fully, 30 answers or more)
    # overall (0 + 66.6667 + 14.2857) / 3 = 26.984 -> 26.98; from the rounded dimensions
    # (0 + 66.67 + 14.29) / 3 = 26.9867 it came out 26.99.
    criteria = {"tc1": (30, 0, 0, 0, 0), "tt1": (10, 0, 0, 20, 0), "cc1": (180, 0, 0, 0, 30)}
    result = sipas_index(criteria, sipas(), n_responses=210)
    assert result is not None
    assert [d.index for d in result.dimensions[:3]] == [0.0, 66.67, 14.29]
    assert result.overall == 26.98


def test_sipas_weights() -> None:
    # The first test's answers, access weighted 3: (52.5*3 + 100*1) / 4 = 64.375 -> 64.38
    # tc2 weighted 0 (left out): access = 80 -> overall (80*3 + 100) / 4 = 85.0
    criteria = {"tc1": (0, 10, 0, 20, 20), "tc2": (10, 10, 10, 10, 0), "tt1": (0, 0, 0, 0, 30)}
    r1 = sipas_index(criteria, sipas(), 50, weights=parse_weights("access=3"))
    r2 = sipas_index(criteria, sipas(), 50, weights={"access": 3, "tc2": 0})
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
    with pytest.raises(ValueError, match="no dimension is left with a weight above 0"):
        parse_weights("access=0,procedures=0,civil_servants=0,results=0,feedback=0", sipas())
    every_criterion = ",".join(f"{c}=0" for c in sipas().criteria)
    with pytest.raises(ValueError, match="no dimension is left with a weight above 0"):
        parse_weights(every_criterion, sipas())  # gave "overall": null, silently
    # all criteria of the other dimensions at 0, one left: accepted
    assert parse_weights(every_criterion.replace("gy3=0", "gy3=1"), sipas())["gy3"] == 1.0
    assert parse_weights("access=0,procedures=0", sipas()) == {"access": 0.0, "procedures": 0.0}
