"""Typed async client of the analytics service's API (through the gateway)."""

from strata_contracts.analytics.ingest import IngestedEventRead, IngestionStatus
from strata_contracts.client import StrataApi
from strata_contracts.pagination import Page


class AnalyticsClient(StrataApi):
    prefix = "/api/v1/analytics"

    async def ingestion_status(self) -> IngestionStatus:
        """How fresh analytics is: events applied per source and type."""
        return await self.request("GET", f"{self.prefix}/ingestion/status", IngestionStatus)

    async def ingested_events(
        self, *, limit: int = 100, cursor: str | None = None, types: list[str] | None = None
    ) -> Page[IngestedEventRead]:
        params = {"limit": limit, "cursor": cursor, "types": ",".join(types) if types else None}
        return await self.request(
            "GET", f"{self.prefix}/ingestion/events", Page[IngestedEventRead], params=params
        )
