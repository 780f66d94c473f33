"""Chart geometry."""

from __future__ import annotations

import pytest
from thuocdo_dashboard.charts import bar, heat_colour, heat_text_colour

pytestmark = pytest.mark.unit


def test_bar_geometry_in_percent() -> None:
    b = bar(82.5, 75.0, 88.25, 80.0)
    assert (b.width, b.whisker_left, b.whisker_width, b.shrunk_left) == (82.5, 75.0, 13.25, 80.0)


def test_bar_clamps_and_handles_unknowns() -> None:
    b = bar(None, None, 101.0, None)
    assert (b.width, b.whisker_left, b.whisker_width, b.shrunk_left) == (0.0, None, None, None)
    assert bar(120.0, -5.0, 130.0, 50.0).whisker_width == 100.0


def test_heat_colours() -> None:
    assert heat_colour(None) == "#f4f4f4"
    assert heat_colour(0.0) == "hsl(8, 75%, 97%)"
    assert heat_colour(25.0) == "hsl(8, 75%, 71%)"
    assert heat_colour(80.0) == heat_colour(50.0) == "hsl(8, 75%, 45%)"
    assert heat_text_colour(10.0) == "#222" and heat_text_colour(40.0) == "#fff"
