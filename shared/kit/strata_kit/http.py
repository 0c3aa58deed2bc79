"""Pooled HTTP clients for service-to-service and gateway-to-service calls.

One client per upstream, created in `lifespan` and closed on shutdown. The transport is
aiohttp's (via `httpx-aiohttp`): httpx's own is markedly slower under concurrency
(encode/httpx#3215), and the httpx API stays the same for callers and tests.
"""

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport
from httpx_aiohttp.transport import AiohttpResponseStream, map_aiohttp_exceptions

POOL_IDLE_SECONDS = 10.0
"""How long an idle pooled connection is kept. Below the services' keep-alive
(`<APP>_KEEP_ALIVE_SECONDS`, 20 s by default), so the pool lets a connection go before the
server does: a request is never sent on a connection the server is closing."""


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
            connector=aiohttp.TCPConnector(
                limit=pool_size, limit_per_host=pool_size, keepalive_timeout=POOL_IDLE_SECONDS
            ),
            auto_decompress=False,
        )

    transport = AiohttpTransport(client=session_factory)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=timeout)


RawHeaders = list[tuple[bytes, bytes]]


async def relay(
    client: httpx.AsyncClient, method: str, path: str, *, content: bytes, headers: RawHeaders
) -> httpx.Response:
    """Send one request straight through `client`'s transport, streaming the answer: what a
    proxy needs, without what a browsing client does on every call (merging its base URL,
    default headers and cookies, storing the answer's cookies, redirect and auth hooks).
    `path` is relative to the client's base URL, already percent-encoded (the caller's raw
    path); `headers` are raw (name, value) bytes. The client's timeouts apply. The caller
    closes the answer (`aclose`).

    On the aiohttp transport (`create_upstream_client`) the request goes to aiohttp's
    session itself: an `httpx.Request` would parse and re-quote the URL and re-encode the
    headers, only for aiohttp to do the same again (about a sixth of a proxied read's
    CPU). Failures are mapped to httpx's exceptions as the transport maps them."""
    url = str(client.base_url).rstrip("/") + path
    # httpx has no public "transport only" send; the attribute is stable since 0.18.
    transport: httpx.AsyncBaseTransport = client._transport
    if isinstance(transport, AiohttpTransport):
        return await _relay_aiohttp(transport, client.timeout, method, url, content, headers)
    request = httpx.Request(
        method,
        url,
        extensions={"timeout": client.timeout.as_dict()},
        content=content,
        headers=headers,
    )
    return await transport.handle_async_request(request)


async def _relay_aiohttp(
    transport: AiohttpTransport,
    limits: httpx.Timeout,
    method: str,
    url: str,
    content: bytes,
    headers: RawHeaders,
) -> httpx.Response:
    """What `AiohttpTransport.handle_async_request` does, from a URL string and raw headers."""
    if not isinstance(transport.client, aiohttp.ClientSession):
        transport.client = transport.get_client()
    with map_aiohttp_exceptions():
        answer = await transport.client.request(
            method,
            url,
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers],
            data=content or None,
            allow_redirects=False,
            auto_decompress=False,
            compress=False,
            timeout=aiohttp.ClientTimeout(
                sock_connect=limits.connect, sock_read=limits.read, connect=limits.pool
            ),
        ).__aenter__()
    return httpx.Response(
        status_code=answer.status,
        headers=answer.raw_headers,
        stream=AiohttpResponseStream(answer),
        extensions={"http_version": b"HTTP/1.1"},
    )
