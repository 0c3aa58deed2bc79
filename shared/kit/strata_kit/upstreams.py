"""Start-up check: does every process this one calls answer where its settings say?

A wrong URL setting used to show only later, as jobs failing with ConnectTimeout (or, on
a shared machine, as calls answered by another installation's service). At start-up each
upstream's `/healthz` is asked, in the background (a slower neighbour never delays or
fails this process's start): the right service answering logs `upstream.reachable`; no
answer logs `upstream.unreachable` naming the setting (a warning for the first seconds,
while processes started together come up, then an error), again with growing pauses (up to
a minute) until it answers; another service answering logs
`upstream.wrong_service` once.
"""

import asyncio
from collections.abc import Mapping

import httpx

from strata_kit.logging import get_logger

log = get_logger("strata.upstreams")
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 60.0
QUIET_UNTIL_SECONDS = 4.0
"""Misses while the pause is shorter than this (the first three, about 7 s) are warnings."""


async def _probe(client: httpx.AsyncClient, url: str) -> str | None:
    """What `url` says it is (`service` of its `/healthz`); raises when it does not answer."""
    # One connection per probe, closed at once: the check never holds a connection open.
    response = await client.get(url.rstrip("/") + "/healthz", headers={"Connection": "close"})
    response.raise_for_status()
    body = response.json()
    return body.get("service") if isinstance(body, dict) else None


async def check_upstreams(
    upstreams: Mapping[str, tuple[str, str]],
    *,
    probe_timeout: float = 2.0,
    first_retry: float = FIRST_RETRY_SECONDS,
    max_retry: float = MAX_RETRY_SECONDS,
    quiet_until: float = QUIET_UNTIL_SECONDS,
    transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Check each `setting -> (service, url)` until it answers; only logs, never raises."""
    pending = dict(upstreams)
    failed: set[str] = set()
    delay = first_retry
    async with httpx.AsyncClient(
        timeout=probe_timeout, trust_env=False, transport=transport
    ) as client:
        while pending:
            for setting, (service, url) in list(pending.items()):
                try:
                    answered = await _probe(client, url)
                except (httpx.HTTPError, ValueError) as exc:
                    failed.add(setting)
                    # Processes started together come up in any order: the first misses
                    # are a warning, an upstream still away after them is an error.
                    report = log.error if delay >= quiet_until else log.warning
                    report(
                        "upstream.unreachable",
                        setting=setting,
                        url=url,
                        service=service,
                        error=f"{type(exc).__name__}: {exc}"[:300],
                        retry_in_seconds=delay,
                    )
                    continue
                del pending[setting]
                if answered != service:
                    log.error(
                        "upstream.wrong_service",
                        setting=setting,
                        url=url,
                        expected=service,
                        answered=answered,
                    )
                else:
                    log.info(
                        "upstream.reachable",
                        setting=setting,
                        url=url,
                        service=service,
                        after_failures=setting in failed,
                    )
            if pending:
                await asyncio.sleep(delay)
                delay = min(delay * 2, max_retry)
