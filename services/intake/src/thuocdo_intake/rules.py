"""Intake-only acceptance rules on an already valid response (pure, no I/O)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from thuocdo_shared.events import SurveyResponse


@dataclass(frozen=True)
class Kiosk:
    """A registered kiosk, bound to one commune. ``mode`` is ``quick`` or ``sipas``;
    ``field`` fixes the field of procedure when the counter serves only one."""

    id: str
    name: str
    commune_code: str
    mode: str = "quick"
    field: str | None = None
    revoked: bool = False


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
