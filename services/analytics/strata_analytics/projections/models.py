"""Projections of the other services' state. Each row's `id` is the source's id, so an
event applied again (or replayed by a rebuild) updates the same row."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Index, UniqueConstraint
from sqlmodel import Field

from strata_analytics.models import SCORE, WEIGHT, AnalyticsModel
from strata_kit.db import UtcDateTime


class OrgUnitView(AnalyticsModel, table=True):
    """An org unit (goals), as of its last `goals.org_unit.changed`."""

    __tablename__ = "org_unit_view"

    name: str = Field(max_length=200)
    parent_id: uuid.UUID | None = None
    level: str = Field(max_length=16)


class EmployeeView(AnalyticsModel, table=True):
    """An employee's placement (goals), as of their last `goals.employee.upserted`."""

    __tablename__ = "employee_view"
    __table_args__ = (
        Index(None, "tenant_id", "org_unit_id"),
        Index(None, "tenant_id", "manager_id"),
    )

    external_id: str | None = Field(default=None, max_length=128)
    name: str = Field(max_length=200)
    org_unit_id: uuid.UUID
    position_id: uuid.UUID | None = None
    manager_id: uuid.UUID | None = None
    status: str = Field(max_length=16)


class CycleView(AnalyticsModel, table=True):
    """A performance cycle's phase, as of its last `goals.cycle.phase_changed`, and its
    name (from that event or a later `goals.cycle.renamed`; None from older events)."""

    __tablename__ = "cycle_view"

    phase: str = Field(max_length=16)
    phase_changed_at: datetime = Field(sa_type=UtcDateTime)
    name: str | None = Field(default=None, max_length=200)


class ObjectiveView(AnalyticsModel, table=True):
    """An enterprise objective of the cascade."""

    __tablename__ = "objective_view"

    code: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=200)
    perspective: str = Field(max_length=32)
    active: bool = True


class IndicatorView(AnalyticsModel, table=True):
    """An indicator of the cascade with its links to parents (objectives or indicators)."""

    __tablename__ = "indicator_view"

    code: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=200)
    level: str = Field(max_length=16)
    perspective: str = Field(max_length=32)
    org_unit_id: uuid.UUID | None = None
    position_id: uuid.UUID | None = None
    active: bool = True
    links: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_type=JSON,
        description="[{parent_objective_id, parent_indicator_id, contribution_weight}]",
    )


class PlanView(AnalyticsModel, table=True):
    """A plan's agreed (signed) version and its weighted score."""

    __tablename__ = "plan_view"
    __table_args__ = (Index(None, "tenant_id", "employee_id", "cycle_id"),)

    employee_id: uuid.UUID
    cycle_id: uuid.UUID
    signed_version: int | None = None
    signed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    score: Decimal | None = Field(default=None, sa_type=SCORE)
    scored_weight: Decimal = Field(default=Decimal(0), sa_type=WEIGHT)
    total_weight: Decimal = Field(default=Decimal(0), sa_type=WEIGHT)


class PlanItemView(AnalyticsModel, table=True):
    """One indicator of a plan's signed version, with its latest actual's score."""

    __tablename__ = "plan_item_view"
    __table_args__ = (
        UniqueConstraint("tenant_id", "plan_id", "key"),
        Index(None, "tenant_id", "indicator_id"),
    )

    plan_id: uuid.UUID
    key: uuid.UUID
    indicator_id: uuid.UUID | None = None
    name: str = Field(max_length=200)
    perspective: str = Field(max_length=32)
    weight: Decimal | None = Field(
        default=None, sa_type=WEIGHT, description="None until a version with it is signed."
    )
    score: Decimal | None = Field(default=None, sa_type=SCORE)
    actual_id: uuid.UUID | None = None
    measured_on: date | None = None
    actual_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class CampaignView(AnalyticsModel, table=True):
    """A closed 360 campaign, and when its ratings were last pulled from reviews."""

    __tablename__ = "campaign_view"

    cycle_id: uuid.UUID
    name: str | None = Field(
        default=None, max_length=200, description="None from a close event without one."
    )
    closed_at: datetime = Field(sa_type=UtcDateTime)
    template_id: uuid.UUID | None = None
    anonymity_threshold: int | None = None
    ratings_pulled_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    ratings: int = 0


class RatingFact(AnalyticsModel, table=True):
    """One rating of a closed campaign, its rater known only by a pseudonymous key (the
    supervisor by employee id as well: that group is never anonymous)."""

    __tablename__ = "rating_fact"
    __table_args__ = (
        Index(None, "tenant_id", "campaign_id", "ratee_id"),
        Index(None, "tenant_id", "cycle_id"),
        Index(None, "tenant_id", "rater_key"),
    )

    campaign_id: uuid.UUID
    cycle_id: uuid.UUID
    ratee_id: uuid.UUID
    relationship: str = Field(max_length=32)
    rater_key: str = Field(max_length=64)
    rater_employee_id: uuid.UUID | None = None
    competency_id: uuid.UUID
    competency_key: str = Field(max_length=64)
    competency_name: str = Field(max_length=200)
    item_id: uuid.UUID
    item_text: str = Field(max_length=1000)
    value: int
    scale_min: int
    scale_max: int
    anonymity_threshold: int


class CommentFact(AnalyticsModel, table=True):
    """One answer to an open question of a closed campaign (no rater key at all)."""

    __tablename__ = "comment_fact"
    __table_args__ = (Index(None, "tenant_id", "campaign_id", "ratee_id"),)

    campaign_id: uuid.UUID
    ratee_id: uuid.UUID
    relationship: str = Field(max_length=32)
    rater_key: str = Field(max_length=64)
    item_id: uuid.UUID
    item_text: str = Field(max_length=1000)
    comment: str = Field(max_length=8000)
