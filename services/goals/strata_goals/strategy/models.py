"""Tables of the strategy cascade."""

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, Index, UniqueConstraint
from sqlmodel import Field

from strata_contracts.goals.vocabulary import Level, Perspective
from strata_goals.models import WEIGHT, GoalsModel, ScoringFields, enum_column


class Objective(GoalsModel, table=True):
    """An enterprise strategic objective."""

    __tablename__ = "objective"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: str | None = Field(default=None, max_length=64)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    perspective: Perspective = Field(sa_type=enum_column(Perspective))
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True


class IndicatorTemplate(ScoringFields, GoalsModel, table=True):
    """A reusable indicator definition."""

    __tablename__ = "indicator_template"
    __table_args__ = (UniqueConstraint("tenant_id", "code"),)

    code: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    perspective: Perspective = Field(sa_type=enum_column(Perspective))
    default_weight: Decimal | None = Field(default=None, sa_type=WEIGHT)
    active: bool = True


class Indicator(ScoringFields, GoalsModel, table=True):
    """A KPI at the enterprise, department or post level of the cascade."""

    __tablename__ = "indicator"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "org_unit_id"], ["org_unit.tenant_id", "org_unit.id"]),
        ForeignKeyConstraint(["tenant_id", "position_id"], ["position.tenant_id", "position.id"]),
        ForeignKeyConstraint(
            ["tenant_id", "template_id"], ["indicator_template.tenant_id", "indicator_template.id"]
        ),
        UniqueConstraint("tenant_id", "code"),
        # One post indicator per template and position: assigning twice finds the first.
        UniqueConstraint("tenant_id", "template_id", "position_id"),
        Index(None, "tenant_id", "position_id"),
        Index(None, "tenant_id", "org_unit_id"),
    )

    code: str | None = Field(default=None, max_length=64)
    name: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=4000)
    level: Level = Field(sa_type=enum_column(Level))
    perspective: Perspective = Field(sa_type=enum_column(Perspective))
    org_unit_id: uuid.UUID | None = None
    position_id: uuid.UUID | None = None
    weight: Decimal | None = Field(default=None, sa_type=WEIGHT)
    template_id: uuid.UUID | None = None
    active: bool = True


class IndicatorLink(GoalsModel, table=True):
    """An indicator serving a parent (objective or higher indicator), with a contribution."""

    __tablename__ = "indicator_link"
    __table_args__ = (
        ForeignKeyConstraint(
            ["tenant_id", "indicator_id"], ["indicator.tenant_id", "indicator.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "parent_objective_id"], ["objective.tenant_id", "objective.id"]
        ),
        ForeignKeyConstraint(
            ["tenant_id", "parent_indicator_id"], ["indicator.tenant_id", "indicator.id"]
        ),
        CheckConstraint(
            "(parent_objective_id IS NULL) <> (parent_indicator_id IS NULL)", name="one_parent"
        ),
        UniqueConstraint("tenant_id", "indicator_id", "parent_objective_id"),
        UniqueConstraint("tenant_id", "indicator_id", "parent_indicator_id"),
        Index(None, "tenant_id", "parent_indicator_id"),
        Index(None, "tenant_id", "parent_objective_id"),
    )

    indicator_id: uuid.UUID
    parent_objective_id: uuid.UUID | None = None
    parent_indicator_id: uuid.UUID | None = None
    contribution_weight: Decimal = Field(sa_type=WEIGHT)
