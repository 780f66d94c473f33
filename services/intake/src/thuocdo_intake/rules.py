"""Intake-only acceptance rules on an already valid response (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from thuocdo_shared.events import SurveyResponse
from thuocdo_shared.units import UnitRegistry, local_date

from .messages import API


@dataclass(frozen=True)
class Kiosk:
    """A registered kiosk, bound to one commune. ``mode`` is ``quick`` or ``sipas``;
    ``field`` fixes the field of procedure when the counter serves only one.
    ``unit_key`` is the key (``code@valid_from``) of the commune version the kiosk
    was enrolled for: a code can name an abolished commune and its successor."""

    id: str
    name: str
    commune_code: str
    mode: str = "quick"
    field: str | None = None
    revoked: bool = False
    unit_key: str = ""


def future_errors(
    response: SurveyResponse, now: dt.datetime, max_skew_seconds: float
) -> dict[str, list[str]]:
    """``submitted_at`` may be at most ``max_skew_seconds`` after ``now`` (a tablet's
    clock drifts a little; a date far ahead is a forgery or a broken clock)."""
    if response.submitted_at - now > dt.timedelta(seconds=max_skew_seconds):
        minutes = round(max_skew_seconds / 60)
        return {"submitted_at": [f"Must not be more than {minutes} minutes in the future."]}
    return {}


def binding_problem(response: SurveyResponse, kiosk: Kiosk) -> str | None:
    """Why this kiosk may not send this response (403), or None."""
    if response.commune_code != kiosk.commune_code:
        return "commune_code is not this kiosk's commune"
    if response.kiosk_id != kiosk.id:
        return "kiosk_id is not this kiosk's id"
    return None


def era_errors(response: SurveyResponse, kiosk: Kiosk, units: UnitRegistry) -> dict[str, list[str]]:
    """The commune in force on the response's local (Vietnam) date must be the kiosk's
    own commune version, not an older or newer unit with the same code: a tablet whose
    clock reset to a date before its commune existed would otherwise be counted for
    the abolished commune. Returns ``{"submitted_at": [message]}`` or ``{}``."""
    if not kiosk.unit_key:
        return {}
    day = local_date(response.submitted_at)
    in_force = units.find(response.commune_code, day)
    if in_force is not None and in_force.key == kiosk.unit_key:
        return {}
    own = units.by_key(kiosk.unit_key)
    if own is None:  # the registry no longer knows the kiosk's unit
        return {"submitted_at": [API["era_unknown"].format(key=kiosk.unit_key)]}
    if own.valid_from is not None and day < own.valid_from:
        message = API["era_before"].format(name=own.name, start=own.valid_from.isoformat())
    else:
        end = own.valid_to.isoformat() if own.valid_to else "?"
        message = API["era_after"].format(name=own.name, end=end)
    return {"submitted_at": [message]}
