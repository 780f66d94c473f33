"""Administrative units with validity periods.

GSO codes are reused across the 2025-07-01 reform (05953 was Xã Lương Phú, then
Xã Kha Sơn), so a unit is identified by (code, valid_from, valid_to) and every
lookup takes a date. Never join old and new data on the code alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache

from .reference import load_json

LEVELS = ("province", "district", "commune")

# Vietnam has one time zone and no daylight saving: a fixed offset needs no tz database
# (slim container images ship none).
LOCAL_TZ = dt.timezone(dt.timedelta(hours=7), "Asia/Ho_Chi_Minh")


def local_date(when: dt.datetime) -> dt.date:
    """The calendar date in Vietnam of an instant (a naive one is taken as UTC).

    A response belongs to the unit in force on this date, whatever offset the kiosk sent.
    """
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(LOCAL_TZ).date()


def local_minute(stamp: str) -> str:
    """A stored time (ISO 8601; naive taken as UTC) as Vietnam's local time to the
    minute, for operators: "2025-07-01T06:30+07:00"."""
    moment = dt.datetime.fromisoformat(stamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(LOCAL_TZ).isoformat(timespec="minutes")


def local_today() -> dt.date:
    """Today's date in Vietnam, whatever the host's time zone (a UTC host is still on
    yesterday until 07:00 in Vietnam)."""
    return dt.datetime.now(LOCAL_TZ).date()


@dataclass(frozen=True)
class Unit:
    """One administrative unit during one validity period (dates inclusive)."""

    code: str
    name: str
    level: str
    parent: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    formed_from: tuple[str, ...] = field(default=())

    @property
    def key(self) -> str:
        """A stable id for this unit version: ``code@valid_from`` (``code@-`` if open)."""
        start = self.valid_from.isoformat() if self.valid_from else "-"
        return f"{self.code}@{start}"

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def overlaps(self, start: dt.date, end: dt.date) -> bool:
        """True if the unit was in force on any day of [start, end]."""
        return (self.valid_from is None or self.valid_from <= end) and (
            self.valid_to is None or start <= self.valid_to
        )


class UnknownUnit(LookupError):
    """No unit has this code on this date."""


class UnitRegistry:
    """Lookup by code and date, and rollup commune -> district -> province."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._by_code: dict[str, list[Unit]] = {}
        # Indexes for the rollups, so that they cost what they return, not a scan of
        # every unit version (a national registry holds some 14,000).
        self._by_parent: dict[str, list[Unit]] = {}
        self._by_source: dict[str, list[Unit]] = {}
        for unit in units:
            self._by_code.setdefault(unit.code, []).append(unit)
            if unit.parent is not None:
                self._by_parent.setdefault(unit.parent, []).append(unit)
            for source in unit.formed_from:
                self._by_source.setdefault(source, []).append(unit)
        for versions in self._by_code.values():
            versions.sort(key=lambda u: u.valid_from or dt.date.min)
            for a, b in itertools.pairwise(versions):
                if a.valid_to is None or b.valid_from is None or a.valid_to >= b.valid_from:
                    raise ValueError(f"overlapping validity for unit code {a.code}")

    def __iter__(self) -> Iterator[Unit]:
        for versions in self._by_code.values():
            yield from versions

    def lookup(self, code: str, day: dt.date) -> Unit:
        """The unit with ``code`` in force on ``day``; raises :class:`UnknownUnit`."""
        for unit in self._by_code.get(code, ()):
            if unit.valid_on(day):
                return unit
        raise UnknownUnit(f"no unit {code!r} on {day.isoformat()}")

    def find(self, code: str, day: dt.date) -> Unit | None:
        try:
            return self.lookup(code, day)
        except UnknownUnit:
            return None

    def by_key(self, key: str) -> Unit | None:
        """The unit version with this key (``code@YYYY-MM-DD`` or ``code@-``), or None."""
        code = key.partition("@")[0]
        return next((u for u in self._by_code.get(code, ()) if u.key == key), None)

    def versions(self, code: str) -> list[Unit]:
        """Every version of a code, oldest first."""
        return list(self._by_code.get(code, ()))

    def ancestors(self, unit: Unit, day: dt.date | None = None) -> list[Unit]:
        """Parents from nearest to farthest (commune -> district -> province), as in
        force on ``day`` (default: the last day the unit itself was in force)."""
        when = day or unit.valid_to or unit.valid_from or local_today()
        out: list[Unit] = []
        current = unit
        while current.parent is not None:
            parent = self.find(current.parent, when)
            if parent is None:
                break
            out.append(parent)
            current = parent
        return out

    def children(self, code: str, day: dt.date) -> list[Unit]:
        """Units whose parent is ``code``, both in force on ``day``, sorted by code."""
        return sorted(
            (u for u in self._by_parent.get(code, ()) if u.valid_on(day)), key=lambda u: u.code
        )

    def descendants_between(self, code: str, start: dt.date, end: dt.date) -> list[Unit]:
        """Every unit version below ``code`` in force at some time in [start, end]
        whose chain of parents reaches ``code``; used to roll a period up."""
        out: list[Unit] = []
        frontier = [code]
        while frontier:
            parent = frontier.pop()
            for unit in self._by_parent.get(parent, ()):
                if unit.overlaps(start, end):
                    out.append(unit)
                    frontier.append(unit.code)
        return sorted(set(out), key=lambda u: (u.code, u.valid_from or dt.date.min))

    def successors(self, unit: Unit) -> list[Unit]:
        """Units formed (wholly or partly) from ``unit`` after it ended."""
        if unit.valid_to is None:
            return []
        after = unit.valid_to + dt.timedelta(days=1)
        return [u for u in self._by_source.get(unit.code, ()) if u.valid_on(after)]

    def predecessors(self, unit: Unit) -> list[Unit]:
        """The versions ``unit`` was formed from, as in force the day before it began
        (the mirror of :meth:`successors`; empty for a unit formed from nothing)."""
        if unit.valid_from is None:
            return []
        before = unit.valid_from - dt.timedelta(days=1)
        found = (self.find(code, before) for code in unit.formed_from)
        return [u for u in found if u is not None]

    def carried_on_by(self, unit: Unit) -> list[Unit]:
        """The communes formed (wholly or partly) from the communes in force under an
        abolished ``unit`` on its last day: where its area goes on (one reform; empty
        for a unit still in force). A dashboard user of ``unit`` may see these."""
        if unit.valid_to is None:
            return []
        last = [
            u
            for u in self.descendants_between(unit.code, unit.valid_to, unit.valid_to)
            if u.level == "commune"
        ]
        found = {s for c in last for s in self.successors(c) if s.level == "commune"}
        return sorted(found, key=lambda u: (u.code, u.valid_from or dt.date.min))


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


@cache
def registry() -> UnitRegistry:
    """The registry built from ``data/units.json`` (the Phú Bình demo units)."""
    raw = load_json("units.json")["units"]
    return UnitRegistry(
        Unit(
            code=u["code"],
            name=u["name"],
            level=u["level"],
            parent=u["parent"],
            valid_from=_date(u["valid_from"]),
            valid_to=_date(u["valid_to"]),
            formed_from=tuple(u.get("formed_from", ())),
        )
        for u in raw
    )
