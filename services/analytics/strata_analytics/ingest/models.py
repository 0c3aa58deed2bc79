from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Index
from sqlmodel import Field

from strata_analytics.models import AnalyticsModel
from strata_kit.db import UtcDateTime, utcnow


class IngestedEvent(AnalyticsModel, table=True):
    """One event applied by analytics. Its id is the event's id, so applying an event twice
    is impossible (the consumer also advances its cursor in the same transaction)."""

    __tablename__ = "ingested_event"
    __table_args__ = (
        Index("ix_ingested_event_tenant_id_source_type", "tenant_id", "source", "type"),
    )

    type: str = Field(max_length=128)
    source: str = Field(max_length=64)
    schema_version: int = 1
    subject: str = Field(max_length=200)
    occurred_at: datetime = Field(sa_type=UtcDateTime)
    position: int = Field(sa_type=BigInteger, index=True)
    applied_at: datetime = Field(default_factory=utcnow, sa_type=UtcDateTime)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
