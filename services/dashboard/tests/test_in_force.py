"""A commune page for a period when that commune version was not in force says so and
points to the versions before or after it (real unit registry)."""

from __future__ import annotations

import pytest
from thuocdo_dashboard.model import in_force
from thuocdo_dashboard.periods import month, parse
from thuocdo_shared.units import Unit, registry

pytestmark = pytest.mark.unit

KHA_SON = registry().by_key("05953@2025-07-01")
LUONG_PHU = registry().by_key("05953@-")


def every(unit: Unit) -> str:
    return f"/commune/{unit.key}"


def test_before_it_was_formed_it_names_the_communes_it_came_from() -> None:
    assert KHA_SON is not None
    info = in_force(KHA_SON, month(2025, 6), every)
    assert info is not None and (info["when"], info["since"]) == ("before", "01/07/2025")
    names = [name for name, _ in info["links"]]
    assert len(names) == len(KHA_SON.formed_from) == 5 and "Xã Lương Phú (cũ)" in names
    assert ("Xã Lương Phú (cũ)", "/commune/05953@-") in info["links"]
    # an old commune that had today's name is told apart from today's
    assert "Xã Kha Sơn (cũ)" in names
    # links only to what the user may see
    assert in_force(KHA_SON, month(2025, 6), lambda u: None)["links"] == []  # type: ignore[index]


def test_after_it_ended_it_names_what_came_next_and_in_force_is_none() -> None:
    assert KHA_SON is not None and LUONG_PHU is not None
    info = in_force(LUONG_PHU, month(2025, 8), every)
    assert info == {
        "when": "after",
        "since": "01/07/2025",
        "links": [("Xã Kha Sơn", "/commune/05953@2025-07-01")],
    }
    assert in_force(KHA_SON, month(2025, 7), every) is None
    assert in_force(LUONG_PHU, parse("2025-Q2"), every) is None
    assert in_force(LUONG_PHU, parse("2025-Q3"), every)["when"] == "after"  # type: ignore[index]


def test_a_period_holding_the_reform_says_its_figures_are_of_part_of_it() -> None:
    """The year 2025 of Xã Kha Sơn (formed 01/07/2025) counts half a year: its page
    said nothing, and read as a whole year's."""
    assert KHA_SON is not None and LUONG_PHU is not None
    year = in_force(KHA_SON, parse("2025"), every)
    assert year is not None and (year["when"], year["since"]) == ("formed_within", "01/07/2025")
    assert ("Xã Lương Phú (cũ)", "/commune/05953@-") in year["links"]
    ended = in_force(LUONG_PHU, parse("2025"), every)
    assert ended == {
        "when": "ended_within",
        "since": "01/07/2025",
        "links": [("Xã Kha Sơn", "/commune/05953@2025-07-01")],
    }
    assert in_force(KHA_SON, parse("2026"), every) is None
    assert in_force(LUONG_PHU, parse("2025-Q2"), every) is None
