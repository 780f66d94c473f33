"""Who may see which administrative unit. Pure: no Flask, no SQL.

Rules (also in the README):
- ``admin`` sees every unit.
- ``district`` is bound to a district or province *code* (e.g. ``173`` or ``19``).
  They see that unit, every unit version whose chain of parents reaches it, and, for
  communes formed in the 2025 reform, every new commune formed (wholly or partly)
  from a commune they saw: a user of ``173`` sees the twenty old communes of Phú
  Bình and the five communes formed from them after 2025-07-01; a user of ``19``
  sees everything under the province, old and new.
- ``commune`` is bound to one commune *version* (a unit key such as
  ``05953@2025-07-01``). A bare code given to ``user add`` is resolved to the
  version in force that day, so the chairman of the new Kha Sơn does not see the old
  Lương Phú, which had the same code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from thuocdo_shared.units import Unit, UnitRegistry, registry

ROLES = ("admin", "district", "commune")


class BadBinding(ValueError):
    """The unit given for a user does not fit the role (unknown code, wrong level).
    ``str()`` says why in English (the CLI); ``reason`` and ``values`` are for the
    accounts page to say it in the page's language (messages ``bind_<reason>``)."""

    def __init__(self, message: str, reason: str, **values: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.values = values


def unit_by_key(key: str, reg: UnitRegistry | None = None) -> Unit | None:
    """The unit version with this key (``code@YYYY-MM-DD`` or ``code@-``), or None."""
    return (reg or registry()).by_key(key)


def resolve(text: str, day: dt.date, reg: UnitRegistry | None = None) -> Unit | None:
    """A key, or a bare code meaning the version in force on ``day`` (else the latest
    version of that code)."""
    reg = reg or registry()
    if "@" in text:
        return unit_by_key(text, reg)
    versions = reg.versions(text)
    if not versions:
        return None
    return reg.find(text, day) or versions[-1]


def bind(role: str, unit: str, day: dt.date, reg: UnitRegistry | None = None) -> str:
    """What to store for a new user: ``*`` for admin, the code for district users,
    the unit key for commune users. Raises :class:`BadBinding`."""
    reg = reg or registry()
    if role not in ROLES:
        raise BadBinding(f"unknown role {role!r}", "role", role=role)
    if role == "admin":
        return "*"
    if not unit.strip():
        raise BadBinding(f"a {role} user needs a unit (--unit)", "no_unit")
    found = resolve(unit, day, reg)
    if found is None:
        raise BadBinding(f"unknown unit {unit!r}", "unknown", unit=unit)
    if role == "district":
        if found.level == "commune":
            raise BadBinding(
                "a district user must be bound to a district or province code", "not_district"
            )
        return found.code
    if found.level != "commune":
        raise BadBinding("a commune user must be bound to a commune", "not_commune")
    if "@" not in unit and not found.overlaps(day, day):
        # A bare code means the commune in force today; one that ended is an old
        # commune's code, most likely typed for today's commune of that name.
        later = ", ".join(f"{u.name} ({u.key})" for u in reg.successors(found))
        assert found.valid_to is not None
        raise BadBinding(
            f"commune {unit} ({found.name}) ended on {found.valid_to}; its area is now"
            f" {later or 'another commune'}. Give that commune, or {found.key} for the old one",
            "ended",
            unit=unit,
            name=found.name,
            since=(found.valid_to + dt.timedelta(days=1)).strftime("%d/%m/%Y"),
            later=later or "?",
            old_key=found.key,
        )
    return found.key


@dataclass(frozen=True)
class Scope:
    """What one user may see: ``role`` and the stored binding (see :func:`bind`)."""

    role: str
    binding: str

    def allows(self, unit: Unit, reg: UnitRegistry | None = None) -> bool:
        """True if this user may see figures of ``unit``."""
        reg = reg or registry()
        if self.role == "admin":
            return True
        if self.role == "commune":
            return unit.key == self.binding
        if self.role != "district":
            return False
        if self._below(unit, reg):
            return True
        # A commune of the reform belongs to the scope of the communes it came from.
        if unit.level == "commune":
            return any(self._below(old, reg) for old in reg.predecessors(unit))
        return False

    def _below(self, unit: Unit, reg: UnitRegistry) -> bool:
        if unit.code == self.binding and unit.level != "commune":
            return True
        return any(a.code == self.binding for a in reg.ancestors(unit))

    def allows_key(self, key: str, reg: UnitRegistry | None = None) -> bool:
        """Like :meth:`allows` for a unit key; unknown keys are never allowed."""
        unit = unit_by_key(key, reg)
        return unit is not None and self.allows(unit, reg)

    def home(self, reg: UnitRegistry | None = None) -> Unit:
        """The unit a user lands on: their commune, their district/province (its latest
        version), or for admin the first province of the registry."""
        reg = reg or registry()
        if self.role == "commune":
            found = unit_by_key(self.binding, reg)
        elif self.role == "district":
            versions = reg.versions(self.binding)
            found = versions[-1] if versions else None
        else:
            found = next((u for u in reg if u.level == "province"), None)
        if found is None:
            raise BadBinding(
                f"binding {self.binding!r} is not in the unit registry",
                "unknown",
                unit=self.binding,
            )
        return found

    def ranking_parent(
        self, unit: Unit, start: dt.date, end: dt.date, reg: UnitRegistry | None = None
    ) -> Unit | None:
        """The unit whose communes to rank for ``unit`` over [start, end]: the unit itself
        if in force then, or if it is a district or province whose area goes on in
        communes formed from it (scoring ranks those, as it counts them in the unit's
        index); else its nearest ancestor in force then (rows outside the scope are
        filtered out by the caller). None if nothing fits."""
        reg = reg or registry()
        if unit.overlaps(start, end):
            return unit
        for version in reg.versions(unit.code):
            if version.overlaps(start, end):
                return version
        if unit.level != "commune" and any(u.overlaps(start, end) for u in reg.carried_on_by(unit)):
            return unit
        for ancestor in reg.ancestors(unit, unit.valid_to or end):
            for version in reg.versions(ancestor.code):
                if version.overlaps(start, end):
                    return version
        return None

    def communes(self, start: dt.date, end: dt.date, reg: UnitRegistry | None = None) -> list[Unit]:
        """Every commune version in this scope in force at some time in [start, end]."""
        reg = reg or registry()
        return sorted(
            (
                u
                for u in reg
                if u.level == "commune" and u.overlaps(start, end) and self.allows(u, reg)
            ),
            key=lambda u: (u.code, u.valid_from or dt.date.min),
        )
