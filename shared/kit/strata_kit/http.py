"""Pooled HTTP clients for service-to-service and gateway-to-service calls.

One client per upstream, created in `lifespan` and closed on shutdown. The transport is
aiohttp's (via `httpx-aiohttp`): httpx's own is markedly slower under concurrency
(encode/httpx#3215), and the httpx API stays the same for callers and tests.
"""

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport


def create_upstream_client(
    base_url: str,
    *,
    connect_timeout: float = 2.0,
    read_timeout: float = 10.0,
    pool_size: int = 100,
) -> httpx.AsyncClient:
    """A pooled async client for one upstream, with timeouts on every call."""
    timeout = httpx.Timeout(
        connect=connect_timeout, read=read_timeout, write=None, pool=connect_timeout
    )

    def session_factory() -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=pool_size, limit_per_host=pool_size),
            auto_decompress=False,
        )

    transport = AiohttpTransport(client=session_factory)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)
