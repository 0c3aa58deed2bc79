"""The goals service's table base (its own registry and metadata: its own database), and the
two tables every service keeps: the audit trail and the transactional outbox."""

from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, Index, Numeric
from sqlmodel import Field, SQLModel

from strata_contracts.goals.vocabulary import (
    Direction,
    Frequency,
    IndicatorKind,
    ScoringMethod,
)
from strata_kit.audit import AuditFields
from strata_kit.db import TenantModel, new_registry
from strata_kit.outbox import OutboxFields

registry = new_registry()
metadata = registry.metadata


class GoalsModel(TenantModel, registry=registry):
    """Base of every tenant-owned table of the goals service."""


class AuditRecord(AuditFields, GoalsModel, table=True):
    """Who changed what, when, from what to what, and why (append only)."""

    __tablename__ = "audit_record"
    __table_args__ = (
        Index(None, "tenant_id", "entity_type", "entity_id"),
        Index(None, "tenant_id", "occurred_at"),
    )


class OutboxEvent(OutboxFields, GoalsModel, table=True):
    """Domain events waiting for the relay, written in the transaction of the change."""

    __tablename__ = "outbox_event"
    __table_args__ = (Index(None, "tenant_id", "occurred_at"),)


def enum_column(enum: type[StrEnum]) -> Any:
    """A column type storing a `StrEnum` by value in a plain VARCHAR (no native enum type, so
    adding a value later needs no migration) and reading it back as the enum."""
    return Enum(
        enum,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


WEIGHT = Numeric(7, 3)
"""Column type of a weight in percent (e.g. 33.333)."""
MEASURE = Numeric(20, 6)
"""Column type of a measured value, threshold or target."""
SCORE = Numeric(6, 4)
"""Column type of a score as a fraction (1.2 = 120 %)."""


class ScoringFields(SQLModel):
    """How an indicator is measured and scored; shared by cascade indicators, templates and
    plan items (a plan keeps its own copy, so a signed agreement never changes under it)."""

    kind: IndicatorKind = Field(sa_type=enum_column(IndicatorKind))
    method: ScoringMethod = Field(sa_type=enum_column(ScoringMethod))
    unit: str | None = Field(default=None, max_length=32)
    direction: Direction | None = Field(default=None, sa_type=enum_column(Direction))
    baseline: Decimal | None = Field(default=None, sa_type=MEASURE)
    threshold: Decimal | None = Field(default=None, sa_type=MEASURE)
    target: Decimal | None = Field(default=None, sa_type=MEASURE)
    stretch: Decimal | None = Field(default=None, sa_type=MEASURE)
    band_low: Decimal | None = Field(default=None, sa_type=MEASURE)
    band_high: Decimal | None = Field(default=None, sa_type=MEASURE)
    band_tolerance: Decimal | None = Field(default=None, sa_type=MEASURE)
    threshold_score: Decimal | None = Field(default=None, sa_type=SCORE)
    cap: Decimal | None = Field(default=None, sa_type=SCORE)
    bands: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    rubric: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    frequency: Frequency = Field(default=Frequency.MONTHLY, sa_type=enum_column(Frequency))
    data_source: str | None = Field(default=None, max_length=200)
