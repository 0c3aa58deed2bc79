"""The envelope every domain event travels in, between services and to subscribers."""

from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

DataT = TypeVar("DataT", bound=BaseModel | dict[str, Any])


class EventEnvelope(BaseModel, Generic[DataT]):
    """A domain event. `type` plus `version` name the schema of `data`.

    `subject` names the aggregate the event is about (`employee/<uuid>`); events of one
    subject are delivered in the order they occurred.
    """

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(description="Unique event id; consumers deduplicate by it.")
    type: str = Field(description="Dotted event type, e.g. `goals.plan.signed`.")
    version: int = Field(default=1, ge=1, description="Schema version of `data` for this type.")
    tenant_id: UUID
    occurred_at: datetime
    subject: str = Field(description="The aggregate the event is about, `<kind>/<id>`.")
    data: DataT


class EventBatch(BaseModel):
    """What a service's relay sends the event hub: events in the order they occurred."""

    events: list[EventEnvelope[dict[str, Any]]] = Field(min_length=1, max_length=1000)


class EventBatchResult(BaseModel):
    accepted: int = Field(description="Events stored for the first time.")
    duplicates: int = Field(description="Events the hub already had (same id), ignored.")


class FeedEvent(EventEnvelope[dict[str, Any]]):
    """An event as the feed serves it, with its place in the hub's total order."""

    position: int = Field(description="Increasing position in the feed; resume after it.")


class EventFeedPage(BaseModel):
    """A page of the ordered event feed. Pass `next_cursor` back to continue; it is present
    even on the last page, so a poller can wait for events that come later."""

    items: list[FeedEvent]
    next_cursor: str


# --- event types published by the analytics service's results-applied work -----------------

RECOMMENDATION_DECIDED = "analytics.recommendation.decided"
"""HR accepted or overrode a merit / bonus / promotion / training recommendation.
Version 1; `data` is `strata_contracts.analytics.applied.RecommendationDecided`."""
RECOMMENDATION_DECIDED_VERSION = 1
