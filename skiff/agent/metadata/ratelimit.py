"""Per-task token buckets: 40 requests a second, bursts of 60, as the ECS agent allows."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

RATE = 40.0
BURST = 60.0


@dataclass
class _Bucket:
    tokens: float = BURST
    updated: float = field(default_factory=time.monotonic)


class RateLimiter:
    def __init__(self, rate: float = RATE, burst: float = BURST) -> None:
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str, now: float | None = None) -> bool:
        if self.rate <= 0:  # limiting switched off (benchmarks)
            return True
        now = time.monotonic() if now is None else now
        bucket = self._buckets.setdefault(key, _Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return True
        return False

    def forget(self, key: str) -> None:
        self._buckets.pop(key, None)
