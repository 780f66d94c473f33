"""The generator's promises, checked on seeded samples with wide statistical margins."""

from __future__ import annotations

import datetime as dt
import json
import random
import statistics
import unicodedata
from collections import Counter, defaultdict

import pytest
from thuocdo_shared import reference
from thuocdo_shared.events import SurveyResponse, load_response
from thuocdo_shared.units import registry
from thuocdo_sim.generator import (
    Options,
    arrival_time,
    compose_comment,
    day_responses,
    demo_communes,
    generate,
    live_response,
    strip_diacritics,
)
from thuocdo_sim.profiles import VN_TZ, is_holiday, opening_windows

pytestmark = pytest.mark.unit

SEED = 7
START, END = dt.date(2025, 5, 1), dt.date(2025, 12, 31)


@pytest.fixture(scope="module")
def sample() -> list[SurveyResponse]:
    return list(generate(SEED, START, END))


def _rng(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 (simulation, not secrets)


def _local(r: SurveyResponse) -> dt.datetime:
    return r.submitted_at.astimezone(VN_TZ)


def test_same_seed_same_responses_and_other_seed_differs() -> None:
    a = [r.to_dict() for r in generate(1, dt.date(2025, 6, 2), dt.date(2025, 6, 4))]
    b = [r.to_dict() for r in generate(1, dt.date(2025, 6, 2), dt.date(2025, 6, 4))]
    c = [r.to_dict() for r in generate(2, dt.date(2025, 6, 2), dt.date(2025, 6, 4))]
    assert a == b
    assert len(a) > 50
    assert {r["id"] for r in a}.isdisjoint({r["id"] for r in c})


def test_a_day_is_the_same_inside_any_range(sample: list[SurveyResponse]) -> None:
    day = dt.date(2025, 9, 10)
    alone = [r.to_dict() for r in generate(SEED, day, day)]
    inside = [r.to_dict() for r in sample if _local(r).date() == day]
    assert alone == inside and alone


def test_ids_are_unique_uuids(sample: list[SurveyResponse]) -> None:
    ids = [r.id for r in sample]
    assert len(ids) == len(set(ids))


def test_every_response_passes_the_shared_schema(sample: list[SurveyResponse]) -> None:
    for response in sample:
        wire = json.loads(json.dumps(response.to_dict(), ensure_ascii=False))
        assert load_response(wire) == response


def test_submitted_at_has_the_vietnam_offset(sample: list[SurveyResponse]) -> None:
    assert all(r.to_dict()["submitted_at"].endswith("+07:00") for r in sample)


def test_only_inside_opening_hours(sample: list[SurveyResponse]) -> None:
    for r in sample:
        local = _local(r)
        assert local.weekday() != 6 and not is_holiday(local.date()), r
        t = local.time()
        morning = dt.time(7, 30) <= t < dt.time(11, 30)
        afternoon = dt.time(13, 30) <= t < dt.time(17, 0)
        assert morning or (afternoon and local.weekday() < 5), r
    hours = Counter(_local(r).hour for r in sample)
    saturday_pm = [r for r in sample if _local(r).weekday() == 5 and _local(r).hour >= 12]
    assert not saturday_pm
    # Busier mid-morning than in the last half hour before closing.
    assert hours[9] > hours[16] > 0


def test_opening_windows_by_weekday() -> None:
    assert len(opening_windows(dt.date(2025, 9, 10))) == 2  # Wednesday
    assert len(opening_windows(dt.date(2025, 9, 13))) == 1  # Saturday
    assert opening_windows(dt.date(2025, 9, 14)) == []  # Sunday
    assert opening_windows(dt.date(2025, 9, 2)) == []  # Quốc khánh
    assert opening_windows(dt.date(2026, 2, 17)) == []  # Tết Bính Ngọ


def test_arrival_times_stay_inside_the_windows() -> None:
    rng = _rng(3)
    for day in (dt.date(2025, 9, 13), dt.date(2025, 9, 15)):
        for _ in range(2000):
            when = arrival_time(rng, day)
            assert when.date() == day
            assert any(a <= when.time() < b for a, b in opening_windows(day))


def test_old_units_before_the_reform_new_communes_after(sample: list[SurveyResponse]) -> None:
    reg = registry()
    before = {r.commune_code for r in sample if _local(r).date() < dt.date(2025, 7, 1)}
    after = {r.commune_code for r in sample if _local(r).date() >= dt.date(2025, 7, 1)}
    assert len(before) == 20
    assert after == {"05908", "05917", "05923", "05941", "05953"}
    for r in sample:
        unit = reg.lookup(r.commune_code, _local(r).date())
        assert unit.level == "commune"
        assert unit.parent == ("173" if _local(r).date() < dt.date(2025, 7, 1) else "19")
    # The reused code means Lương Phú on June 30 and Kha Sơn on July 1.
    names = {
        reg.lookup(r.commune_code, _local(r).date()).name
        for r in sample
        if r.commune_code == "05953"
    }
    assert names == {"Xã Lương Phú", "Xã Kha Sơn"}


def test_demo_communes_on_each_side_of_the_reform() -> None:
    assert len(demo_communes(dt.date(2025, 6, 30))) == 20
    assert [u.code for u in demo_communes(dt.date(2025, 7, 1))] == [
        "05908",
        "05917",
        "05923",
        "05941",
        "05953",
    ]


def test_field_mix_and_land_is_least_liked(sample: list[SurveyResponse]) -> None:
    counts = Counter(r.field for r in sample)
    ranked = [f for f, _ in counts.most_common()]
    assert set(ranked[:2]) == {"ho_tich", "chung_thuc"}
    assert ranked[-1] == "dat_dai"
    assert set(counts) == set(reference.choosable_fields())
    means = {f: statistics.mean(r.overall for r in sample if r.field == f) for f in counts}
    assert min(means, key=means.__getitem__) == "dat_dai"
    assert means["dat_dai"] < means["chung_thuc"] - 0.7


def _satisfied(rs: list[SurveyResponse]) -> float:
    return 100 * sum(r.overall >= 4 for r in rs) / len(rs)


def test_communes_differ_as_designed(sample: list[SurveyResponse]) -> None:
    after = [r for r in sample if _local(r).date() >= dt.date(2025, 7, 1)]
    by: dict[str, list[SurveyResponse]] = defaultdict(list)
    for r in after:
        by[r.commune_code].append(r)
    kha_son, phu_binh = by["05953"], by["05908"]
    assert _satisfied(kha_son) < _satisfied(phu_binh) - 15
    assert min(by, key=lambda c: _satisfied(by[c])) == "05953"
    land_ks = [r.overall for r in kha_son if r.field == "dat_dai"]
    land_pb = [r.overall for r in phu_binh if r.field == "dat_dai"]
    assert statistics.mean(land_ks) < statistics.mean(land_pb) - 0.5

    def waiting_share(rs: list[SurveyResponse]) -> float:
        tags = [i for r in rs if r.overall <= 3 for i in r.issues]
        return tags.count("waiting_time") / len(tags)

    assert waiting_share(kha_son) > waiting_share(phu_binh) + 0.1
    # Before the merger, Lương Phú and the old Kha Sơn were the weak units too.
    before = [r for r in sample if _local(r).date() < dt.date(2025, 7, 1)]
    old = {c: [r for r in before if r.commune_code == c] for c in ("05953", "05959", "05908")}
    assert _satisfied(old["05953"]) < _satisfied(old["05908"]) - 15
    assert _satisfied(old["05959"]) < _satisfied(old["05908"]) - 10


def test_issues_follow_the_rating(sample: list[SurveyResponse]) -> None:
    low = [r for r in sample if r.overall <= 2 and not r.suspect]
    high = [r for r in sample if r.overall == 5 and not r.suspect]
    assert sum(bool(r.issues) for r in low) / len(low) > 0.5
    assert statistics.mean(len(r.issues) for r in low) > statistics.mean(
        len(r.issues) for r in high
    )
    # Praise is given to staff and speed far more often than to informal fees.
    praise = Counter(i for r in high for i in r.issues)
    assert praise["staff_attitude"] > 3 * praise["fees"]
    assert "other" not in praise


def test_comments_are_varied_vietnamese_some_without_diacritics(
    sample: list[SurveyResponse],
) -> None:
    comments = [r.comment for r in sample if r.comment]
    assert 0.1 < len(comments) / len(sample) < 0.35
    assert all(c == unicodedata.normalize("NFC", c) and len(c) <= 1000 for c in comments)
    plain = [c for c in comments if c.isascii()]
    assert 0.2 < len(plain) / len(comments) < 0.4
    assert any("đ" in c or "ư" in c for c in comments)
    assert len(set(comments)) > 0.5 * len(comments)
    assert not any("rất hài lòng, rất hài lòng" in c.lower() for c in comments)
    assert not any(c.lower().count("cảm ơn cán bộ xã") > 1 for c in comments)
    # A theme outside the taxonomy exists only after the merger.
    merger = [r for r in sample if r.comment and "xã mới" in r.comment]
    assert merger and all(_local(r).date() >= dt.date(2025, 7, 1) for r in merger)


def test_compose_comment_tone() -> None:
    rng = _rng(5)
    bad = compose_comment(rng, "dat_dai", 1, ("waiting_time",), after_reform=False)
    good = compose_comment(rng, "ho_tich", 5, ("staff_attitude",), after_reform=False)
    assert bad[0].isupper() and good[0].isupper()
    assert any(w in bad.lower() for w in ("chờ", "xếp hàng", "hẹn", "đợi", "chậm", "trễ"))
    assert "cán bộ" in good or "công chức" in good


def test_strip_diacritics() -> None:
    assert strip_diacritics("Đất đai: chờ đợi lâu quá") == "Dat dai: cho doi lau qua"


def test_sipas_share_and_complete_questionnaires(sample: list[SurveyResponse]) -> None:
    full = [r for r in sample if r.criteria]
    assert 0.1 < len(full) / len(sample) < 0.2
    codes = set(reference.sipas().criteria)
    assert len(codes) == 19
    assert all(set(r.criteria) == codes for r in full)
    # Answers track the overall rating.
    high = [statistics.mean(r.criteria.values()) for r in full if r.overall == 5]
    low = [statistics.mean(r.criteria.values()) for r in full if r.overall == 1]
    assert statistics.mean(high) > statistics.mean(low) + 2.5


def test_daily_volume_and_weekday_pattern(sample: list[SurveyResponse]) -> None:
    per_day = Counter(_local(r).date() for r in sample)
    mondays = [n for d, n in per_day.items() if d.weekday() == 0]
    saturdays = [n for d, n in per_day.items() if d.weekday() == 5]
    assert statistics.mean(mondays) > 1.8 * statistics.mean(saturdays)
    weekday_mean = statistics.mean(n for d, n in per_day.items() if d.weekday() < 5)
    assert 60 < weekday_mean < 110
    half = list(generate(SEED, dt.date(2025, 9, 1), dt.date(2025, 9, 30), options=Options(0.5)))
    full = [r for r in sample if _local(r).date().month == 9]
    assert 0.35 < len(half) / len(full) < 0.65


def test_until_drops_the_future() -> None:
    cut = dt.datetime(2025, 9, 10, 10, 0, tzinfo=VN_TZ)
    out = list(generate(SEED, dt.date(2025, 9, 10), dt.date(2025, 9, 11), until=cut))
    assert out and max(r.submitted_at for r in out) <= cut


def test_suspect_bursts_are_rare_and_flagged(sample: list[SurveyResponse]) -> None:
    suspect = [r for r in sample if r.suspect]
    assert 0 < len(suspect) < 0.02 * len(sample)
    assert all(r.suspect == ("rapid_taps",) for r in suspect)


def test_live_response_is_now_in_a_current_commune() -> None:
    now = dt.datetime(2026, 3, 4, 21, 15, tzinfo=VN_TZ)
    r = live_response(_rng(1), now)
    assert r.submitted_at == now
    assert registry().lookup(r.commune_code, now.date()).parent == "19"
    load_response(r.to_dict())


def test_a_closed_day_has_no_responses() -> None:
    unit = demo_communes(dt.date(2025, 9, 14))[0]
    assert day_responses(SEED, unit, dt.date(2025, 9, 14)) == []
