"""Strata's Python client for integrators: one object, every API, typed end to end.

    async with StrataClient("https://strata.example.com", api_key="strata_…") as strata:
        me = await strata.goals.me()
        async for event, cursor in strata.gateway.iter_events(cursor=saved_cursor):
            handle(event); save(cursor)

Errors arrive as `ApiError` carrying the server's RFC 9457 problem details (`.problem`);
an unreachable or slow server as `ServiceUnavailable` (503/504). See docs/integrators.md.
"""

from types import TracebackType

import httpx

from strata_contracts.analytics.client import AnalyticsClient
from strata_contracts.feedback.client import FeedbackClient
from strata_contracts.gateway.client import GatewayClient
from strata_contracts.goals.client import GoalsClient
from strata_contracts.reviews.client import ReviewsClient


class StrataClient:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str,
        timeout: float = 30.0,
        http: httpx.AsyncClient | None = None,
    ) -> None:
        self._owned = http is None
        self.http = http or httpx.AsyncClient(base_url=base_url, timeout=timeout)
        self.gateway = GatewayClient(self.http, api_key=api_key)
        self.goals = GoalsClient(self.http, api_key=api_key)
        self.reviews = ReviewsClient(self.http, api_key=api_key)
        self.feedback = FeedbackClient(self.http, api_key=api_key)
        self.analytics = AnalyticsClient(self.http, api_key=api_key)

    async def aclose(self) -> None:
        if self._owned:
            await self.http.aclose()

    async def __aenter__(self) -> "StrataClient":
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
