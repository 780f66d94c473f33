"""Who sees what: the scope rules on the Phú Bình registry and a small made-up one."""

from __future__ import annotations

import datetime as dt

import pytest
from thuocdo_dashboard.scope import BadBinding, Scope, bind, resolve, unit_by_key
from thuocdo_shared.units import Unit, UnitRegistry, registry

pytestmark = pytest.mark.unit

REFORM = dt.date(2025, 7, 1)
BEFORE = dt.date(2025, 6, 30)


def key(text: str) -> Unit:
    unit = unit_by_key(text)
    assert unit is not None, text
    return unit


def test_bind_resolves_codes_by_role_and_date() -> None:
    assert bind("admin", "", REFORM) == "*"
    assert bind("district", "173", REFORM) == "173"
    assert bind("district", "19", REFORM) == "19"
    # A bare commune code means the version in force that day: codes were reused.
    assert bind("commune", "05953", dt.date(2026, 1, 5)) == "05953@2025-07-01"
    assert bind("commune", "05953", dt.date(2025, 3, 1)) == "05953@-"
    assert bind("commune", "05953@-", dt.date(2026, 1, 5)) == "05953@-"
    # Old Xã Kha Sơn's code (abolished 2025-07-01) bound it silently, most likely typed
    # for today's Xã Kha Sơn (05953): refused, naming both; its key still binds it.
    with pytest.raises(BadBinding) as refused:
        bind("commune", "05959", dt.date(2026, 1, 5))
    assert str(refused.value) == (
        "commune 05959 (Xã Kha Sơn) ended on 2025-06-30; its area is now"
        " Xã Kha Sơn (05953@2025-07-01). Give that commune, or 05959@- for the old one"
    )
    assert bind("commune", "05959@-", dt.date(2026, 1, 5)) == "05959@-"
    for role, unit in (
        ("district", "05953"),
        ("commune", "173"),
        ("commune", "99999"),
        ("district", "nope"),
        ("mayor", "19"),
    ):
        with pytest.raises(BadBinding):
            bind(role, unit, REFORM)


def test_district_173_sees_its_old_communes_and_the_new_ones_formed_from_them() -> None:
    scope = Scope("district", "173")
    assert scope.allows(key("05953@-"))  # Xã Lương Phú (old, under 173)
    assert scope.allows(key("05953@2025-07-01"))  # Xã Kha Sơn (new, formed from it)
    assert scope.allows(key("173@-"))
    assert not scope.allows(key("19@-"))  # not the province above it
    new = scope.communes(REFORM, dt.date(2025, 9, 30))
    assert [u.key for u in new] == [
        "05908@2025-07-01",
        "05917@2025-07-01",
        "05923@2025-07-01",
        "05941@2025-07-01",
        "05953@2025-07-01",
    ]
    assert len(scope.communes(dt.date(2025, 4, 1), BEFORE)) == 20


def test_province_user_sees_everything_below() -> None:
    scope = Scope("district", "19")
    assert all(scope.allows(u) for u in registry())


def test_commune_user_sees_only_the_version_bound() -> None:
    scope = Scope("commune", "05953@2025-07-01")
    assert scope.allows(key("05953@2025-07-01"))
    assert not scope.allows(key("05953@-"))  # same code, the old Lương Phú
    assert not scope.allows(key("05941@2025-07-01"))
    assert not scope.allows(key("19@-"))
    assert not scope.allows_key("05953")  # a bare code is not a key
    assert not scope.allows_key("bogus@-")
    assert scope.home().key == "05953@2025-07-01"


def test_admin_sees_all_and_lands_on_the_province() -> None:
    scope = Scope("admin", "*")
    assert all(scope.allows(u) for u in registry())
    assert scope.home().code == "19"


def test_ranking_parent_follows_the_reform() -> None:
    scope = Scope("district", "173")
    district = scope.home()
    before = scope.ranking_parent(district, dt.date(2025, 4, 1), BEFORE)
    after = scope.ranking_parent(district, REFORM, dt.date(2025, 9, 30))
    assert before is not None and before.key == "173@-"
    # After the reform the district's area goes on in the communes formed from it:
    # scoring ranks those under the district itself (it ranked the whole province).
    assert after is not None and after.key == "173@-"


def _made_up() -> UnitRegistry:
    end = BEFORE
    return UnitRegistry(
        [
            Unit("P", "Tỉnh P", "province", None, None, None),
            Unit("D1", "Huyện 1", "district", "P", None, end),
            Unit("D2", "Huyện 2", "district", "P", None, end),
            Unit("a", "Xã A", "commune", "D1", None, end),
            Unit("b", "Xã B", "commune", "D2", None, end),
            Unit("c", "Xã C", "commune", "D2", None, end),
            Unit("n", "Xã N", "commune", "P", REFORM, None, ("a",)),
            Unit("m", "Xã M", "commune", "P", REFORM, None, ("b",)),
            Unit("x", "Xã X", "commune", "P", REFORM, None, ("a", "c")),
        ]
    )


def test_new_communes_follow_the_districts_of_their_predecessors() -> None:
    reg = _made_up()
    d1, d2 = Scope("district", "D1"), Scope("district", "D2")
    n, m, x = (resolve(code, REFORM, reg) for code in ("n", "m", "x"))
    assert n is not None and m is not None and x is not None
    assert d1.allows(n, reg) and not d1.allows(m, reg)
    assert d2.allows(m, reg) and not d2.allows(n, reg)
    # Formed partly from each district: both districts' users see it.
    assert d1.allows(x, reg) and d2.allows(x, reg)
    assert not d1.allows(resolve("b", BEFORE, reg), reg)  # type: ignore[arg-type]


def test_scope_allows_exactly_the_communes_carrying_a_district_on() -> None:
    """Scoring counts ``carried_on_by`` in a gone district's figures; its user may see
    each of those communes and no other commune of the reform."""
    reg = _made_up()
    after = [u for u in reg if u.level == "commune" and u.valid_on(REFORM)]
    for code in ("D1", "D2"):
        district = reg.versions(code)[0]
        carried = {u.code for u in reg.carried_on_by(district)}
        allowed = {u.code for u in after if Scope("district", code).allows(u, reg)}
        assert carried == allowed, code
    assert {u.code for u in reg.carried_on_by(reg.versions("D1")[0])} == {"n", "x"}


@pytest.mark.parametrize("role", ["district", "commune"])
def test_a_unit_is_required_below_admin(role: str) -> None:
    with pytest.raises(BadBinding, match=f"a {role} user needs a unit"):
        bind(role, " ", dt.date(2026, 1, 1))


def test_headings_name_the_kinds_of_commune_even_when_scoring_lists_none() -> None:
    """With no rows from scoring (it does not answer), the headings still name the
    communes in force under the unit ranked: a town and communes before the 2025
    reform, communes after; a commune's own kind for a commune."""
    from thuocdo_dashboard.model import _kinds
    from thuocdo_dashboard.periods import month

    reg = registry()
    district = reg.find("173", dt.date(2025, 6, 1))
    province = reg.find("19", dt.date(2025, 8, 1))
    kha_son = reg.find("05953", dt.date(2025, 8, 1))
    assert district and province and kha_son
    admin = Scope("admin", "*")
    june, august = month(2025, 6), month(2025, 8)
    assert _kinds([], admin, june, district)["kinds"] == "xã, thị trấn"
    assert _kinds([], admin, august, province)["kinds_heading"] == "Xã"
    assert _kinds([], Scope("commune", kha_son.key), june, kha_son)["kinds"] == "xã"
    # names listed by scoring win over the registry
    assert _kinds(["Phường Hoàng Văn Thụ"], admin, june, district)["kinds"] == "phường"
