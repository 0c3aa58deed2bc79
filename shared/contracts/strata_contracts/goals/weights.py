"""Indicator weights per post (percent, total 100, each within the tenant's bounds), set
directly or from an AHP pairwise comparison matrix; and the tenant's goal policy."""

from decimal import Decimal
from fractions import Fraction
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from strata_contracts._base import Reason
from strata_contracts.goals.calc import AhpResult, WeightProblem
from strata_contracts.goals.vocabulary import Perspective

WeightPercent = Annotated[Decimal, Field(max_digits=7, decimal_places=3)]
"""A weight in percent; its bounds are the weights rules' to check (each named by field)."""


class IndicatorWeight(BaseModel):
    model_config = ConfigDict(extra="forbid")

    indicator_id: UUID
    weight: WeightPercent = Field(description="Percent.")


class PostWeightsSet(BaseModel):
    """Every active indicator of the post with its weight; they must total 100."""

    model_config = ConfigDict(extra="forbid")

    items: list[IndicatorWeight] = Field(min_length=1, max_length=50)
    reason: Reason | None = None


class PostWeightItem(BaseModel):
    indicator_id: UUID
    name: str
    perspective: Perspective
    weight: Decimal | None


class PostWeightsRead(BaseModel):
    position_id: UUID
    items: list[PostWeightItem]
    total: Decimal
    problems: list[WeightProblem] = Field(description="Empty when the weights are valid.")


class AhpWeightsRequest(BaseModel):
    """Pairwise comparisons of the post's indicators, in `indicator_ids` order, on Saaty's
    1 to 9 scale (reciprocals below the diagonal, fractions as `"1/3"`)."""

    model_config = ConfigDict(extra="forbid")

    indicator_ids: list[UUID] = Field(min_length=1, max_length=15)
    matrix: list[list[Fraction]] = Field(min_length=1, max_length=15)
    apply: bool = Field(default=False, description="Store the weights when consistent.")
    reason: Reason | None = None


class AhpWeightsResult(BaseModel):
    ahp: AhpResult
    applied: bool
    weights: list[IndicatorWeight] = Field(description="The weights, in percent (2 places).")


class GoalsPolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    min_weight: Decimal = Field(description="Smallest weight of a post indicator, %.")
    max_weight: Decimal = Field(description="Largest weight of a post indicator, %.")
    min_post_indicators: int
    max_post_indicators: int
    check_in_interval_days: int = Field(description="A check-in older than this is overdue.")


class GoalsPolicyUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_weight: Annotated[Decimal, Field(ge=0, le=100)] | None = None
    max_weight: Annotated[Decimal, Field(gt=0, le=100)] | None = None
    min_post_indicators: Annotated[int, Field(ge=1, le=50)] | None = None
    max_post_indicators: Annotated[int, Field(ge=1, le=50)] | None = None
    check_in_interval_days: Annotated[int, Field(ge=1, le=366)] | None = None
