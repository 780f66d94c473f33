"""Geometry for the server-drawn charts: the ranking's bars with interval whiskers
and the heatmap's colours. Pure: numbers in, CSS percentages and colours out; the
template draws them as HTML/CSS so they reflow on a phone."""

from __future__ import annotations

from dataclasses import dataclass


def clamp(percent: float) -> float:
    """A percentage limited to 0–100."""
    return min(100.0, max(0.0, percent))


@dataclass(frozen=True)
class Bar:
    """Positions on a 0–100 % track: the bar's width, the whisker's left edge and
    width (the 95 % interval) and the adjusted (shrunk) index marker."""

    width: float
    whisker_left: float | None
    whisker_width: float | None
    shrunk_left: float | None


def bar(
    index: float | None, ci_low: float | None, ci_high: float | None, shrunk: float | None
) -> Bar:
    """Geometry of one ranking row; None where the value is unknown."""
    whisker_left = whisker_width = None
    if ci_low is not None and ci_high is not None:
        whisker_left = clamp(ci_low)
        whisker_width = max(0.0, clamp(ci_high) - whisker_left)
    return Bar(
        width=clamp(index) if index is not None else 0.0,
        whisker_left=whisker_left,
        whisker_width=whisker_width,
        shrunk_left=clamp(shrunk) if shrunk is not None else None,
    )


def heat_colour(share: float | None, small: bool = False) -> str:
    """Background of a heatmap cell: near white at 0 %, deep red at 50 % and above;
    a ``small`` sample's only as far as a light red (its share is of few responses,
    and must not read as a finding as firm as its neighbours')."""
    if share is None:
        return "#f4f4f4"
    t = clamp(share) / 50.0 if share < 50 else 1.0
    lightness = 97 - (22 if small else 52) * t
    return f"hsl(8, 75%, {lightness:.0f}%)"


def heat_text_colour(share: float | None, small: bool = False) -> str:
    """Readable text colour on :func:`heat_colour` (dark on every small sample's)."""
    return "#fff" if share is not None and share >= 30 and not small else "#222"
