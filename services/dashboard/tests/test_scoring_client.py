"""The scoring client when scoring does not answer (a real closed port)."""

from __future__ import annotations

import socket

import pytest
from thuocdo_dashboard.scoring_client import ScoringClient, ScoringUnavailable

pytestmark = pytest.mark.unit


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_down_without_cache_raises_and_ready_says_why() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    client = ScoringClient(url, "not-a-secret", timeout=0.5)
    with pytest.raises(ScoringUnavailable):
        client.index("05953@2025-07-01", "2025-07")
    ok, detail = client.ready()
    assert not ok and detail["scoring"].startswith("unreachable")
