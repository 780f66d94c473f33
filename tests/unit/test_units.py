"""Unit lookup by code and date across the 2025-07-01 reform."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_shared.units import (
    Unit,
    UnitRegistry,
    UnknownUnit,
    local_date,
    local_minute,
    registry,
)

pytestmark = pytest.mark.unit
BEFORE = dt.date(2025, 6, 30)
AFTER = dt.date(2025, 7, 1)


def test_reused_code_resolves_by_date() -> None:
    assert registry().lookup("05953", BEFORE).name == "Xã Lương Phú"
    assert registry().lookup("05953", AFTER).name == "Xã Kha Sơn"
    assert registry().lookup("05908", BEFORE).name == "Thị trấn Hương Sơn"
    assert registry().lookup("05908", AFTER).name == "Xã Phú Bình"


def test_abolished_commune_is_unknown_after_the_reform() -> None:
    assert registry().lookup("05959", BEFORE).name == "Xã Kha Sơn"
    with pytest.raises(UnknownUnit):
        registry().lookup("05959", AFTER)


def test_rollup_before_and_after() -> None:
    old = registry().lookup("05941", BEFORE)
    assert [u.code for u in registry().ancestors(old)] == ["173", "19"]
    new = registry().lookup("05941", AFTER)
    assert [u.code for u in registry().ancestors(new)] == ["19"]


def test_children_counts_match_the_reform() -> None:
    assert len(registry().children("173", BEFORE)) == 20
    assert registry().children("173", AFTER) == []
    communes_after = [u for u in registry().children("19", AFTER) if u.level == "commune"]
    assert sorted(u.name for u in communes_after) == [
        "Xã Kha Sơn",
        "Xã Phú Bình",
        "Xã Tân Khánh",
        "Xã Tân Thành",
        "Xã Điềm Thụy",
    ]


def test_every_old_commune_has_a_successor() -> None:
    old = registry().children("173", BEFORE)
    for unit in old:
        assert registry().successors(unit), unit.name
    thuong_dinh = registry().lookup("05932", BEFORE)
    assert {u.name for u in registry().successors(thuong_dinh)} == {"Xã Phú Bình", "Xã Điềm Thụy"}


def test_unit_versions_have_distinct_keys() -> None:
    keys = {u.key for u in registry()}
    assert len(keys) == len(list(registry()))
    assert registry().lookup("05953", AFTER).key == "05953@2025-07-01"


def test_overlapping_versions_are_rejected() -> None:
    a = Unit("1", "A", "commune", None, None, dt.date(2025, 7, 1))
    b = Unit("1", "B", "commune", None, dt.date(2025, 7, 1), None)
    with pytest.raises(ValueError, match="overlapping"):
        UnitRegistry([a, b])


def test_by_key_finds_one_version() -> None:
    reg = registry()
    new = reg.by_key("05953@2025-07-01")
    assert new is not None and new.valid_from == dt.date(2025, 7, 1)
    assert new == reg.lookup("05953", AFTER)
    province = reg.by_key("19@-")
    assert province is not None and province.valid_from is None
    assert reg.by_key("05953@2025-07-02") is None  # no version starts that day
    assert reg.by_key("99999@-") is None
    assert reg.by_key("05953") is None  # a bare code is not a key


def test_local_date_is_vietnam_time() -> None:
    # 18:30 UTC on 30 June is 01:30 on 1 July in Vietnam (the reform's first day).
    assert local_date(dt.datetime(2025, 6, 30, 18, 30, tzinfo=dt.UTC)) == dt.date(2025, 7, 1)
    # 16:59 UTC is still the same day there; a naive instant is taken as UTC.
    assert local_date(dt.datetime(2025, 6, 30, 16, 59, tzinfo=dt.UTC)) == dt.date(2025, 6, 30)
    assert local_date(dt.datetime(2025, 6, 30, 18, 30)) == dt.date(2025, 7, 1)


def test_carried_on_by_follows_a_district_into_the_reform() -> None:
    reg = registry()
    phu_binh = reg.versions("173")[0]
    assert {u.name for u in reg.carried_on_by(phu_binh)} == {
        "Xã Phú Bình",
        "Xã Tân Thành",
        "Xã Điềm Thụy",
        "Xã Kha Sơn",
        "Xã Tân Khánh",
    }
    # A unit still in force goes on in itself.
    assert reg.carried_on_by(reg.lookup("19", dt.date(2026, 1, 1))) == []


def test_local_minute_shows_stored_times_in_vietnam() -> None:
    assert local_minute("2025-06-30T23:30:15+00:00") == "2025-07-01T06:30+07:00"
    assert local_minute("2025-06-30T23:30:15") == "2025-07-01T06:30+07:00"  # naive = UTC
    assert local_minute("2025-07-01T08:05:59+09:00") == "2025-07-01T06:05+07:00"


def test_predecessors_mirror_successors() -> None:
    reg = registry()
    kha_son = reg.by_key("05953@2025-07-01")
    assert kha_son is not None
    before = reg.predecessors(kha_son)
    assert sorted(u.code for u in before) == sorted(kha_son.formed_from)
    assert all(u.valid_to == dt.date(2025, 6, 30) for u in before)
    assert all(kha_son in reg.successors(u) for u in before)
    assert reg.predecessors(reg.by_key("05953@-")) == []  # type: ignore[arg-type]
