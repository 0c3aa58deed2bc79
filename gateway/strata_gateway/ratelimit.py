"""Per-caller rate limiting: a token bucket per key, in this process or shared in Redis.

- `LocalRateLimiter` keeps the buckets in process memory. Right for one gateway process;
  with several replicas each enforces its own bucket, so a caller gets the limit once per
  replica.
- `RedisRateLimiter` keeps them in Redis (`GATEWAY_RATE_LIMIT_REDIS_URL`), so every gateway
  replica takes from the same bucket. One Lua script reads, refills, takes and writes the
  bucket atomically on Redis's own clock (replicas' clocks do not matter), and the key
  expires once the bucket would be full again (an absent key *is* a full bucket).
- Redis down or slower than `GATEWAY_RATE_LIMIT_REDIS_TIMEOUT_SECONDS`: the limiter fails
  open to this process's own bucket (the limit holds per replica instead of across them),
  logs `ratelimit.redis_unavailable` once per outage, and tries Redis again after
  `retry_seconds`; `ratelimit.redis_recovered` when it answers again.
  See docs/adr/0006-shared-rate-limits.md.

`await limiter.hit(key)` answers 0 when the request may go, else the seconds to wait.
"""

import math
import time
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from strata_gateway.settings import GatewaySettings
from strata_kit.logging import get_logger

log = get_logger(__name__)
KEY_PREFIX = "strata:ratelimit:"
REDIS_RETRY_SECONDS = 5.0

# KEYS[1]: the bucket. ARGV[1]: tokens per second, ARGV[2]: bucket size.
# Returns the seconds to wait as a string (0 when a token was taken): a Lua number would be
# truncated to an integer on its way back.
BUCKET_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
if now > at then
  tokens = math.min(burst, tokens + (now - at) * rate)
  at = now
end
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - tokens) / rate * 1000) + 1000)
return tostring(wait)
"""


class RateLimiter(Protocol):
    async def hit(self, key: str) -> float:
        """Take one token for `key`: 0 when allowed, else seconds until the next one."""
        ...

    async def aclose(self) -> None:
        """Release connections (at shutdown)."""
        ...


def retry_after(wait: float) -> str:
    """The `Retry-After` value for a wait: whole seconds, at least one."""
    return str(max(1, math.ceil(wait)))


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class LocalRateLimiter:
    """Token buckets in this process's memory."""

    def __init__(self, *, per_minute: int, burst: int, max_keys: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def take(self, key: str, now: float | None = None) -> float:
        """Take one token for `key` at `now` (monotonic seconds): 0, or the wait."""
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()  # bounded memory; a reset only ever lets callers in
            bucket = self._buckets[key] = _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    async def hit(self, key: str) -> float:
        return self.take(key)

    async def aclose(self) -> None:
        return None


class RedisRateLimiter:
    """Token buckets in Redis, shared by every gateway replica; fails open to a local one."""

    def __init__(
        self,
        url: str,
        *,
        per_minute: int,
        burst: int,
        timeout_seconds: float = 0.5,
        retry_seconds: float = REDIS_RETRY_SECONDS,
        prefix: str = KEY_PREFIX,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.prefix = prefix
        self.retry_seconds = retry_seconds
        # No client-side retries: during an outage each request must fall back at once.
        self._redis = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout_seconds,
            socket_connect_timeout=timeout_seconds,
            retry=Retry(NoBackoff(), 0),
        )
        self._script = self._redis.register_script(BUCKET_SCRIPT)
        self.fallback = LocalRateLimiter(per_minute=per_minute, burst=burst)
        self.degraded = False
        self._skip_until = 0.0

    async def hit(self, key: str) -> float:
        now = time.monotonic()
        if now < self._skip_until:
            return self.fallback.take(key, now)
        try:
            wait = await self._script(keys=[self.prefix + key], args=[repr(self.rate), self.burst])
        except (RedisError, OSError) as exc:  # includes timeouts (redis's TimeoutError)
            self._skip_until = now + self.retry_seconds
            if not self.degraded:
                self.degraded = True
                log.warning(
                    "ratelimit.redis_unavailable",
                    error=f"{type(exc).__name__}: {exc}"[:300],
                    fallback="per-process token bucket",
                    retry_in_seconds=self.retry_seconds,
                )
            return self.fallback.take(key, now)
        if self.degraded:
            self.degraded = False
            log.info("ratelimit.redis_recovered")
        return float(wait)

    async def aclose(self) -> None:
        await self._redis.aclose()


def create_rate_limiter(settings: GatewaySettings) -> RateLimiter:
    """Redis-backed when `GATEWAY_RATE_LIMIT_REDIS_URL` is set, else in this process."""
    url = settings.rate_limit_redis_url
    if url is None or not url.get_secret_value().strip():
        return LocalRateLimiter(
            per_minute=settings.rate_limit_per_minute, burst=settings.rate_limit_burst
        )
    return RedisRateLimiter(
        url.get_secret_value().strip(),
        per_minute=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        timeout_seconds=settings.rate_limit_redis_timeout_seconds,
    )
