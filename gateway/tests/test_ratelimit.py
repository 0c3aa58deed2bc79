"""Rate limiters: the in-process token bucket, the Redis one shared by gateway replicas, the
fall-back to a local bucket when Redis is down, and the gateway choosing and using them.

The Redis tests run a private `redis-server` on a free port when the binary is installed
(else the server on 127.0.0.1:6379); without either they skip, and fail when `CI=true`.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio as aioredis
from structlog.testing import capture_logs

from strata_gateway.auth import EdgeMiddleware
from strata_gateway.ratelimit import (
    LocalRateLimiter,
    RedisRateLimiter,
    create_rate_limiter,
    retry_after,
)
from strata_gateway.settings import GatewaySettings

from .conftest import bearer, echo_identity

IN_CI = os.environ.get("CI", "").lower() == "true"
# Tests about sharing give Redis time to answer on a busy machine (a timeout would make the
# limiter fall back to its local bucket, which other tests cover).
PATIENT = {"timeout_seconds": 5.0}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A private redis-server (nothing saved to disk) that a test can stop and restart."""

    def __init__(self, binary: str, workdir: Path) -> None:
        self.binary = binary
        self.workdir = workdir
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            if _answers(self.port):
                return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer | None]:
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    server = RedisServer(binary, tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer | None) -> str:
    if redis_server is not None:
        return redis_server.url
    if _answers(6379):
        return "redis://127.0.0.1:6379/0"
    _unavailable("no redis-server binary and no Redis on 127.0.0.1:6379")
    raise AssertionError("unreachable")


@pytest.fixture
def prefix() -> str:
    """Keys of one test only (the server may be shared)."""
    return f"strata-test:{uuid.uuid4().hex}:"


class TestLocalRateLimiter:
    def test_burst_then_the_wait_for_one_token(self):
        limiter = LocalRateLimiter(per_minute=60, burst=3)
        assert [limiter.take("k", now=100.0) for _ in range(3)] == [0.0, 0.0, 0.0]
        assert limiter.take("k", now=100.0) == pytest.approx(1.0)
        assert limiter.take("k", now=100.5) == pytest.approx(0.5)

    def test_tokens_come_back_at_the_sustained_rate_up_to_the_burst(self):
        limiter = LocalRateLimiter(per_minute=60, burst=3)
        for _ in range(3):
            limiter.take("k", now=0.0)
        assert limiter.take("k", now=2.0) == 0.0  # two tokens back, one taken
        assert limiter.take("k", now=2.0) == 0.0
        assert limiter.take("k", now=2.0) > 0
        assert [limiter.take("k", now=1000.0) for _ in range(4)][-1] > 0  # never above burst

    def test_each_key_has_its_own_bucket(self):
        limiter = LocalRateLimiter(per_minute=1, burst=1)
        assert limiter.take("a", now=0.0) == 0.0
        assert limiter.take("a", now=0.0) > 0
        assert limiter.take("b", now=0.0) == 0.0

    async def test_hit_is_take_now(self):
        limiter = LocalRateLimiter(per_minute=1, burst=1)
        assert await limiter.hit("k") == 0.0
        assert await limiter.hit("k") > 0

    def test_retry_after_is_whole_seconds_at_least_one(self):
        assert retry_after(0.01) == "1"
        assert retry_after(1.2) == "2"
        assert retry_after(59.0) == "59"


class TestRedisRateLimiter:
    async def test_two_replicas_share_one_bucket(self, redis_url, prefix):
        a = RedisRateLimiter(redis_url, per_minute=1, burst=4, prefix=prefix, **PATIENT)
        b = RedisRateLimiter(redis_url, per_minute=1, burst=4, prefix=prefix, **PATIENT)
        try:
            waits = [await (a if i % 2 else b).hit("caller") for i in range(4)]
            assert waits == [0.0, 0.0, 0.0, 0.0]
            # In-process buckets would allow two more on each replica; the shared one is empty.
            assert await a.hit("caller") > 0
            assert await b.hit("caller") > 0
            assert await a.hit("someone-else") == 0.0
            assert not a.degraded
            assert not b.degraded
        finally:
            await a.aclose()
            await b.aclose()

    async def test_the_wait_is_the_time_to_the_next_token(self, redis_url, prefix):
        limiter = RedisRateLimiter(redis_url, per_minute=60, burst=1, prefix=prefix, **PATIENT)
        try:
            assert await limiter.hit("k") == 0.0
            wait = await limiter.hit("k")
            assert 0.0 < wait <= 1.0
        finally:
            await limiter.aclose()

    async def test_concurrent_hits_from_two_replicas_admit_exactly_the_burst(
        self, redis_url, prefix
    ):
        a = RedisRateLimiter(redis_url, per_minute=1, burst=25, prefix=prefix, **PATIENT)
        b = RedisRateLimiter(redis_url, per_minute=1, burst=25, prefix=prefix, **PATIENT)
        try:
            waits = await asyncio.gather(*((a if i % 2 else b).hit("k") for i in range(80)))
            assert sum(1 for w in waits if w == 0.0) == 25
            assert not a.degraded
            assert not b.degraded
        finally:
            await a.aclose()
            await b.aclose()

    async def test_tokens_refill_from_the_time_redis_recorded(self, redis_url, prefix):
        limiter = RedisRateLimiter(redis_url, per_minute=60, burst=5, prefix=prefix, **PATIENT)
        inspect = aioredis.Redis.from_url(redis_url)
        try:
            for _ in range(5):
                await limiter.hit("k")
            assert await limiter.hit("k") > 0
            # Move the bucket's clock back three seconds: three tokens have come back.
            at = float(await inspect.hget(f"{prefix}k", "at"))
            await inspect.hset(f"{prefix}k", "at", repr(at - 3.0))
            assert [await limiter.hit("k") for _ in range(4)][:3] == [0.0, 0.0, 0.0]
            assert await limiter.hit("k") > 0
        finally:
            await limiter.aclose()
            await inspect.aclose()

    async def test_the_key_expires_when_the_bucket_would_be_full_again(self, redis_url, prefix):
        limiter = RedisRateLimiter(redis_url, per_minute=60, burst=10, prefix=prefix, **PATIENT)
        inspect = aioredis.Redis.from_url(redis_url)
        try:
            for _ in range(4):
                await limiter.hit("k")
            ttl_ms = await inspect.pttl(f"{prefix}k")
            # Four tokens taken at one per second: full again in four seconds (+1 s margin).
            assert 4_000 < ttl_ms <= 5_000
            assert set(await inspect.keys(f"{prefix}*")) == {f"{prefix}k".encode()}
        finally:
            await limiter.aclose()
            await inspect.aclose()

    async def test_redis_down_falls_back_to_a_local_bucket_and_logs_once(self):
        port = _free_port()  # nothing listens there
        limiter = RedisRateLimiter(
            f"redis://127.0.0.1:{port}/0", per_minute=1, burst=2, retry_seconds=0
        )
        try:
            with capture_logs() as logs:
                waits = [await limiter.hit("k") for _ in range(3)]
            # The API stays up, and the limit still holds within this process.
            assert waits[:2] == [0.0, 0.0]
            assert waits[2] > 0
            assert limiter.degraded
            unavailable = [e for e in logs if e["event"] == "ratelimit.redis_unavailable"]
            assert len(unavailable) == 1
            assert unavailable[0]["log_level"] == "warning"
        finally:
            await limiter.aclose()

    async def test_a_redis_that_does_not_answer_in_time_counts_as_down(self):
        silent = socket.socket()
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # accepts connections, never answers
        try:
            limiter = RedisRateLimiter(
                f"redis://127.0.0.1:{silent.getsockname()[1]}/0",
                per_minute=1,
                burst=1,
                timeout_seconds=0.05,
            )
            try:
                assert await limiter.hit("k") == 0.0
                assert limiter.degraded
                # While degraded, Redis is not asked again before `retry_seconds`.
                assert await limiter.hit("k") > 0
            finally:
                await limiter.aclose()
        finally:
            silent.close()

    async def test_back_to_the_shared_bucket_when_redis_returns(self, redis_server, prefix):
        if redis_server is None:
            _unavailable("no redis-server binary to stop and restart")
        limiter = RedisRateLimiter(
            redis_server.url, per_minute=1, burst=3, retry_seconds=0, prefix=prefix, **PATIENT
        )
        other = RedisRateLimiter(redis_server.url, per_minute=1, burst=3, prefix=prefix, **PATIENT)
        try:
            assert await limiter.hit("k") == 0.0
            redis_server.stop()
            with capture_logs() as logs:
                assert await limiter.hit("k") == 0.0  # local bucket, full
                redis_server.start()  # empty again: nothing is kept on disk
                assert await limiter.hit("k") == 0.0
                assert not limiter.degraded
            events = [e["event"] for e in logs]
            assert events == ["ratelimit.redis_unavailable", "ratelimit.redis_recovered"]
            # Shared again: the other replica sees the token taken after recovery.
            assert [await other.hit("k") for _ in range(2)] == [0.0, 0.0]
            assert await other.hit("k") > 0
        finally:
            await limiter.aclose()
            await other.aclose()


class TestChoice:
    def test_no_url_means_in_process(self):
        unset = GatewaySettings(rate_limit_redis_url=None)
        assert isinstance(create_rate_limiter(unset), LocalRateLimiter)
        empty = GatewaySettings(rate_limit_redis_url="")
        assert isinstance(create_rate_limiter(empty), LocalRateLimiter)

    async def test_a_url_means_redis_with_the_configured_limits(self):
        settings = GatewaySettings(
            rate_limit_redis_url="redis://:pw@127.0.0.1:1/0",
            rate_limit_per_minute=120,
            rate_limit_burst=7,
            rate_limit_redis_timeout_seconds=0.5,
        )
        limiter = create_rate_limiter(settings)
        try:
            assert isinstance(limiter, RedisRateLimiter)
            assert (limiter.rate, limiter.burst) == (2.0, 7)
        finally:
            await limiter.aclose()

    def test_the_url_is_a_secret(self):
        settings = GatewaySettings(rate_limit_redis_url="redis://:hunter2@cache:6379/0")
        assert "hunter2" not in repr(settings)


def _edge(app) -> EdgeMiddleware:  # type: ignore[no-untyped-def]
    layer = app.middleware_stack
    while not isinstance(layer, EdgeMiddleware):
        layer = layer.app
    return layer


class TestGatewayReplicas:
    """Two gateway apps on one database and one Redis: one caller, one bucket."""

    @pytest.fixture
    def gateway_overrides(self, redis_url):
        return {
            "rate_limit_burst": 3,
            "rate_limit_per_minute": 1,
            "rate_limit_redis_url": redis_url,
        }

    async def test_a_key_limited_on_one_replica_is_limited_on_the_other(
        self, app, client, upstream, make_tenant, settings, app_factory
    ):
        other = app_factory(settings)
        async with other.router.lifespan_context(other):
            other.state.upstreams["goals"] = httpx.AsyncClient(
                transport=httpx.MockTransport(echo_identity("goals")), base_url="http://goals"
            )
            upstream("goals", echo_identity("goals"))
            transport = httpx.ASGITransport(app=other, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as b:
                created = await make_tenant()
                headers = bearer(created.admin_key.secret)
                statuses = []
                for i in range(4):
                    replica = client if i % 2 == 0 else b
                    statuses.append(
                        (await replica.get("/api/v1/goals/me", headers=headers)).status_code
                    )
                refused = await b.get("/api/v1/goals/me", headers=headers)
                try:
                    assert statuses == [200, 200, 200, 429]
                    assert refused.status_code == 429
                    assert int(refused.headers["retry-after"]) >= 1
                finally:
                    await _edge(app).limiter.aclose()
                    await _edge(other).limiter.aclose()
