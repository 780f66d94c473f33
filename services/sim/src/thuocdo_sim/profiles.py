"""The designed shape of the simulated district: who is better or worse at what,
how many people come, and when the one-stop shops are open. Data only, no I/O.

Satisfaction is modelled as a latent mean ``mu`` on the 1-5 scale; a rating is
drawn from a discretised bell around ``mu`` (see :mod:`thuocdo_sim.generator`), so
``mu`` 4.2 gives about 80 % of 4-or-5 answers and ``mu`` 3.3 about 45 %.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Final

from thuocdo_shared.units import LOCAL_TZ

# Vietnam has no daylight saving time: the one-stop shops live at UTC+07:00.
VN_TZ: Final = LOCAL_TZ
REFORM_DAY: Final = dt.date(2025, 7, 1)
OLD_DISTRICT: Final = "173"


@dataclass(frozen=True)
class CommuneProfile:
    """How one unit's one-stop shop performs.

    ``mu``: latent satisfaction 1-5; ``daily``: mean responses on a full weekday;
    ``field_shift``: added to ``mu`` for a field code; ``issue_boost``: multiplies
    the weight of an issue among complaints; ``kiosks``: tablets on the counter.
    """

    mu: float
    daily: float
    field_shift: dict[str, float] = field(default_factory=dict)
    issue_boost: dict[str, float] = field(default_factory=dict)
    kiosks: int = 1


# Lương Phú, old Kha Sơn and the merged Kha Sơn are the weak spot: land procedures
# and waiting time, which is the story a leader should find on the dashboard.
_WEAK_LAND_AND_WAIT = {"dat_dai": -0.6}
_WAIT_BOOST = {"waiting_time": 3.0, "paperwork": 1.5}

# Keyed by Unit.key ("code@valid_from", "code@-" for units in force before our records).
PROFILES: Final[dict[str, CommuneProfile]] = {
    # The 20 units of Huyện Phú Bình until 2025-06-30.
    "05908@-": CommuneProfile(4.25, 7.0, kiosks=2),  # Thị trấn Hương Sơn
    "05911@-": CommuneProfile(3.95, 3.5),  # Bàn Đạt
    "05917@-": CommuneProfile(4.05, 4.0),  # Tân Khánh
    "05920@-": CommuneProfile(3.8, 3.5),  # Tân Kim
    "05923@-": CommuneProfile(3.9, 4.0),  # Tân Thành
    "05926@-": CommuneProfile(4.0, 3.5),  # Đào Xá
    "05929@-": CommuneProfile(3.9, 3.0),  # Bảo Lý
    "05932@-": CommuneProfile(3.8, 3.5),  # Thượng Đình
    "05935@-": CommuneProfile(3.7, 3.0),  # Tân Hòa
    "05938@-": CommuneProfile(4.0, 3.5),  # Nhã Lộng
    "05941@-": CommuneProfile(4.1, 4.5),  # Điềm Thụy
    "05944@-": CommuneProfile(4.0, 4.0),  # Xuân Phương
    "05947@-": CommuneProfile(3.6, 3.5, issue_boost={"waiting_time": 1.5}),  # Tân Đức
    "05950@-": CommuneProfile(3.9, 3.5),  # Úc Kỳ
    "05953@-": CommuneProfile(3.3, 4.5, _WEAK_LAND_AND_WAIT, _WAIT_BOOST),  # Lương Phú
    "05956@-": CommuneProfile(3.8, 3.5),  # Nga My
    "05959@-": CommuneProfile(3.4, 4.0, _WEAK_LAND_AND_WAIT, _WAIT_BOOST),  # Kha Sơn (old)
    "05962@-": CommuneProfile(3.7, 3.0),  # Thanh Ninh
    "05965@-": CommuneProfile(3.6, 3.5, issue_boost={"fees": 1.5}),  # Dương Thành
    "05968@-": CommuneProfile(3.9, 4.0),  # Hà Châu
    # The 5 merged communes from 2025-07-01.
    "05908@2025-07-01": CommuneProfile(4.2, 22.0, kiosks=3),  # Xã Phú Bình
    "05923@2025-07-01": CommuneProfile(3.85, 13.0, kiosks=2),  # Xã Tân Thành
    "05941@2025-07-01": CommuneProfile(4.05, 15.0, kiosks=2),  # Xã Điềm Thụy
    "05953@2025-07-01": CommuneProfile(  # Xã Kha Sơn
        3.45, 18.0, {"dat_dai": -0.7}, {"waiting_time": 3.0, "paperwork": 1.5}, kiosks=2
    ),
    "05917@2025-07-01": CommuneProfile(3.95, 11.0, kiosks=2),  # Xã Tân Khánh
}

# Field mix (share of visits) and how each field shifts satisfaction. Hộ tịch and
# chứng thực are most of the traffic and quick; đất đai is rare and least liked.
FIELD_SHARE: Final[dict[str, float]] = {
    "ho_tich": 0.31,
    "chung_thuc": 0.28,
    "lao_dong_nguoi_co_cong": 0.08,
    "bao_tro_xa_hoi": 0.08,
    "xay_dung": 0.06,
    "ho_kinh_doanh": 0.055,
    "nong_nghiep_moi_truong": 0.045,
    "khac": 0.04,
    "dat_dai": 0.03,
}
FIELD_SHIFT: Final[dict[str, float]] = {
    "ho_tich": 0.15,
    "chung_thuc": 0.3,
    "dat_dai": -0.9,
    "xay_dung": -0.4,
    "ho_kinh_doanh": 0.0,
    "lao_dong_nguoi_co_cong": 0.0,
    "bao_tro_xa_hoi": 0.05,
    "nong_nghiep_moi_truong": 0.0,
    "khac": 0.0,
}

# Weights of problem tags for ratings 1-3, by field ("*" for the rest).
PROBLEM_WEIGHTS: Final[dict[str, dict[str, float]]] = {
    "*": {
        "waiting_time": 3.0,
        "paperwork": 2.0,
        "information": 2.0,
        "staff_attitude": 1.5,
        "online_systems": 1.2,
        "facilities": 1.0,
        "fees": 0.5,
        "feedback_handling": 0.5,
        "other": 0.3,
    },
    "chung_thuc": {
        "waiting_time": 3.5,
        "facilities": 1.5,
        "staff_attitude": 1.5,
        "fees": 1.0,
        "information": 1.0,
        "paperwork": 0.8,
        "online_systems": 0.5,
        "feedback_handling": 0.3,
        "other": 0.3,
    },
    "dat_dai": {
        "paperwork": 3.5,
        "waiting_time": 3.0,
        "fees": 2.0,
        "information": 1.5,
        "staff_attitude": 1.0,
        "feedback_handling": 1.0,
        "online_systems": 0.5,
        "facilities": 0.3,
        "other": 0.3,
    },
}
PRAISE_WEIGHTS: Final[dict[str, float]] = {
    "staff_attitude": 3.0,
    "waiting_time": 2.5,
    "information": 2.0,
    "paperwork": 1.5,
    "facilities": 1.0,
    "online_systems": 0.8,
    "fees": 0.5,
    "feedback_handling": 0.3,
}

# Which SIPAS dimension suffers when a citizen ticks an issue.
ISSUE_DIMENSION: Final[dict[str, str]] = {
    "facilities": "access",
    "information": "access",
    "paperwork": "procedures",
    "fees": "procedures",
    "staff_attitude": "civil_servants",
    "waiting_time": "results",
    "online_systems": "results",
    "feedback_handling": "feedback",
}

# Monday=0 .. Saturday=5 (Sunday closed). Saturday is a morning only.
WEEKDAY_FACTOR: Final[tuple[float, ...]] = (1.2, 1.05, 1.0, 1.0, 0.9, 0.45)

# Opening hours (local time), end exclusive. Monday-Friday both, Saturday morning.
MORNING: Final = (dt.time(7, 30), dt.time(11, 30))
AFTERNOON: Final = (dt.time(13, 30), dt.time(17, 0))

# Public holidays the one-stop shops are closed (fixed dates, Tết and Hùng Kings).
_FIXED_HOLIDAYS: Final = ((1, 1), (4, 30), (5, 1), (9, 1), (9, 2))
_RANGES: Final = (
    (dt.date(2025, 1, 25), dt.date(2025, 2, 2)),  # Tết Ất Tỵ
    (dt.date(2025, 4, 7), dt.date(2025, 4, 7)),  # Giỗ Tổ Hùng Vương
    (dt.date(2026, 2, 14), dt.date(2026, 2, 22)),  # Tết Bính Ngọ
    (dt.date(2026, 4, 27), dt.date(2026, 4, 27)),  # Giỗ Tổ (Sunday 26/4, day off Monday)
)

# After the merger: weeks of disruption (new office, new software, staff reshuffled).
REFORM_DIP_DAYS: Final = 75
REFORM_DIP_MU: Final = -0.35
# A slow improvement over the years (mu per 365 days since 2025-01-01).
TREND_PER_YEAR: Final = 0.12


def is_holiday(day: dt.date) -> bool:
    """True on a public holiday when the one-stop shops are closed."""
    if (day.month, day.day) in _FIXED_HOLIDAYS:
        return True
    return any(start <= day <= end for start, end in _RANGES)


def opening_windows(day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """Opening windows of a one-stop shop on ``day`` (local time, end exclusive);
    empty on Sundays and holidays."""
    if day.weekday() == 6 or is_holiday(day):
        return []
    if day.weekday() == 5:
        return [MORNING]
    return [MORNING, AFTERNOON]


def is_open(moment: dt.datetime) -> bool:
    """True if ``moment`` (any aware datetime) falls in an opening window in Vietnam."""
    local = moment.astimezone(VN_TZ)
    return any(a <= local.time() < b for a, b in opening_windows(local.date()))


def reform_shift(day: dt.date) -> float:
    """Change of ``mu`` on ``day`` from the merger's disruption (fades linearly)."""
    days = (day - REFORM_DAY).days
    if 0 <= days < REFORM_DIP_DAYS:
        return REFORM_DIP_MU * (1 - days / REFORM_DIP_DAYS)
    return 0.0


def trend_shift(day: dt.date) -> float:
    """Slow improvement of ``mu`` over time (0 on 2025-01-01)."""
    return TREND_PER_YEAR * (day - dt.date(2025, 1, 1)).days / 365.0
