"""Intake-only acceptance rules on an already valid response (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from thuocdo_shared.events import SurveyResponse
from thuocdo_shared.units import LOCAL_TZ, UnitRegistry, local_date

from .messages import API


@dataclass(frozen=True)
class Kiosk:
    """A registered kiosk, bound to one commune. ``mode`` is ``quick`` or ``sipas``;
    ``field`` fixes the field of procedure when the counter serves only one.
    ``unit_key`` is the key (``code@valid_from``) of the commune version the kiosk
    was enrolled for: a code can name an abolished commune and its successor.
    ``enrolled_at`` is when it was enrolled (aware; None: unknown, no limit) and
    ``accepts_from`` the earliest local (Vietnam) date it may send, when it was
    enrolled to backfill history (``kiosk add --accepts-from``); see
    :func:`earliest_moment`."""

    id: str
    name: str
    commune_code: str
    mode: str = "quick"
    field: str | None = None
    revoked: bool = False
    unit_key: str = ""
    enrolled_at: dt.datetime | None = None
    accepts_from: dt.date | None = None


def earliest_moment(kiosk: Kiosk) -> dt.datetime | None:
    """The earliest instant a response of ``kiosk`` may be dated: 00:00 in Vietnam
    on its ``accepts_from`` date if it has one, else its enrolment (None: no limit)."""
    if kiosk.accepts_from is not None:
        return dt.datetime.combine(kiosk.accepts_from, dt.time(0), LOCAL_TZ)
    return kiosk.enrolled_at


def future_errors(
    response: SurveyResponse, now: dt.datetime, max_skew_seconds: float
) -> dict[str, list[str]]:
    """``submitted_at`` may be at most ``max_skew_seconds`` after ``now`` (a tablet's
    clock drifts a little; a date far ahead is a forgery or a broken clock)."""
    if response.submitted_at - now > dt.timedelta(seconds=max_skew_seconds):
        minutes = round(max_skew_seconds / 60)
        return {"submitted_at": [f"Must not be more than {minutes} minutes in the future."]}
    return {}


def enrolment_errors(
    response: SurveyResponse, kiosk: Kiosk, max_skew_seconds: float
) -> dict[str, list[str]]:
    """A response dated before its kiosk was enrolled (or before the ``accepts_from``
    date it was enrolled with) cannot have been given at that kiosk: a tablet whose
    clock reset, or a forged date that would land in a closed period. The same skew as
    :func:`future_errors` is allowed. Returns ``{"submitted_at": [message]}`` or ``{}``."""
    earliest = earliest_moment(kiosk)
    if earliest is None:
        return {}
    if earliest - response.submitted_at <= dt.timedelta(seconds=max_skew_seconds):
        return {}
    if kiosk.accepts_from is not None:
        message = API["before_accepts_from"].format(start=kiosk.accepts_from.isoformat())
    else:
        start = earliest.astimezone(LOCAL_TZ).isoformat(timespec="minutes")
        message = API["before_enrolment"].format(start=start)
    return {"submitted_at": [message]}


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
