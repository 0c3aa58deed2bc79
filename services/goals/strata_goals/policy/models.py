"""The tenant's goal policy (one row per tenant; absent means the defaults)."""

from decimal import Decimal

from sqlalchemy import UniqueConstraint
from sqlmodel import Field

from strata_goals.models import WEIGHT, GoalsModel


class GoalsPolicy(GoalsModel, table=True):
    __tablename__ = "goals_policy"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    min_weight: Decimal = Field(sa_type=WEIGHT)
    max_weight: Decimal = Field(sa_type=WEIGHT)
    min_post_indicators: int
    max_post_indicators: int
    check_in_interval_days: int
