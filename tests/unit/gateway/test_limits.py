from __future__ import annotations

from gateway_service.limits import TokenBucket


def test_token_bucket_allows_a_burst_then_refills_at_the_rate() -> None:
    bucket = TokenBucket(rate_per_second=2, burst=3)
    assert [bucket.take("a", now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a", now=0.0) > 0, "the fourth at once waits"
    assert bucket.take("b", now=0.0) == 0.0, "each caller has its own bucket"
    assert bucket.take("a", now=0.6) == 0.0, "half a second later one token is back"
