"""Fixtures of the dashboard's page tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dashboard.scoring_api import Scoring, serve_scoring


@pytest.fixture
def scoring(tmp_path: Path) -> Iterator[Scoring]:
    """Scoring's real read API over HTTP (see :mod:`tests.dashboard.scoring_api`)."""
    with serve_scoring(tmp_path) as state:
        yield state
