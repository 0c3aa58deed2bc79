"""Typed clients for each Strata API. Each grows with its service's contracts."""

from strata_contracts.client import ServiceClient
from strata_contracts.identity import IdentityRead


class _StrataApi(ServiceClient):
    prefix: str = ""

    async def me(self) -> IdentityRead:
        """The caller as this API sees it."""
        return await self.request("GET", f"{self.prefix}/me", IdentityRead)


class GoalsClient(_StrataApi):
    prefix = "/api/v1/goals"


class ReviewsClient(_StrataApi):
    prefix = "/api/v1/reviews"


class FeedbackClient(_StrataApi):
    prefix = "/api/v1/feedback"


class AnalyticsClient(_StrataApi):
    prefix = "/api/v1/analytics"
