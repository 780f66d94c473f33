"""Token bucket arithmetic, checked by hand."""

from __future__ import annotations

import pytest
from thuocdo_intake.ratelimit import Bucket, RateLimiter, take

pytestmark = pytest.mark.unit


def test_full_bucket_allows_burst_then_refuses() -> None:
    # 30/min = 0.5 token/s, burst 3: three taps pass at t=0, the fourth waits 2 s.
    bucket = None
    results = []
    for _ in range(4):
        ok, bucket, wait = take(bucket, 0.0, 0.5, 3)
        results.append((ok, wait))
    assert results[:3] == [(True, 0.0)] * 3
    assert results[3] == (False, 2.0)


def test_refill_is_linear_and_capped() -> None:
    ok, bucket, _ = take(Bucket(0.0, 0.0), 1.0, 0.5, 3)  # 0.5 token after 1 s: refused
    assert not ok and bucket.tokens == pytest.approx(0.5)
    ok, bucket, _ = take(bucket, 2.0, 0.5, 3)  # 1.0 token after 2 s: allowed
    assert ok and bucket.tokens == pytest.approx(0.0)
    ok, bucket, _ = take(bucket, 1000.0, 0.5, 3)  # capped at 3, minus 1
    assert ok and bucket.tokens == pytest.approx(2.0)


def test_limiter_keys_are_separate_and_retry_after_is_whole_seconds() -> None:
    limiter = RateLimiter(per_minute=6, burst=1)  # one token every 10 s
    assert limiter.check("a", 0.0) == (True, 0)
    assert limiter.check("a", 0.1) == (False, 10)  # 9.9 s rounded up
    assert limiter.check("b", 0.1) == (True, 0)
    assert limiter.check("a", 10.0) == (True, 0)
