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
