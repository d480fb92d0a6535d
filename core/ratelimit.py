"""In-process token-bucket rate limits."""

import math
import threading


class Bucket:
    """`capacity` tokens, refilled continuously over `window` seconds."""

    __slots__ = ("tokens", "stamp")

    def __init__(self, capacity, now):
        self.tokens = float(capacity)
        self.stamp = now


class RateLimiter:
    """Named policies of token buckets, keyed by client IP or user id."""

    def __init__(self, clock, policies):
        self.clock = clock
        self.policies = dict(policies)  # name -> (capacity, window seconds)
        self._buckets = {}
        self._lock = threading.Lock()

    def hit(self, policy, key):
        """Take one token: (allowed, remaining, reset_seconds, retry_after_seconds)."""
        capacity, window = self.policies[policy]
        rate = capacity / window
        now = self.clock().timestamp()
        with self._lock:
            bucket = self._buckets.get((policy, key))
            if bucket is None:
                bucket = self._buckets[(policy, key)] = Bucket(capacity, now)
            elapsed = max(0.0, now - bucket.stamp)
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate)
            bucket.stamp = now
            allowed = bucket.tokens >= 1
            if allowed:
                bucket.tokens -= 1
            if len(self._buckets) > 100_000:
                self._sweep(now)
            remaining = int(bucket.tokens)
            # `reset`: seconds until the next token arrives (0 when full), so a 429's
            # Retry-After is exactly the reset and never earlier.
            missing = 0.0 if bucket.tokens >= capacity else 1 - (bucket.tokens - remaining)
            reset = math.ceil(missing / rate) if missing else 0
            retry = 0 if allowed else max(1, reset)
        return allowed, remaining, reset, retry

    def _sweep(self, now):
        """Drop buckets that have refilled completely: they carry no state."""
        for key, bucket in list(self._buckets.items()):
            capacity, window = self.policies[key[0]]
            if bucket.tokens + (now - bucket.stamp) * capacity / window >= capacity:
                del self._buckets[key]
