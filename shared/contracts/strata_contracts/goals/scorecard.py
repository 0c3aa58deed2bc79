"""The Balanced Scorecard: perspective weights per level or post, balance rules and the
violations they find, and attainment per perspective at every level of the organisation."""

from decimal import Decimal
from typing import Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from strata_contracts._base import Percent
from strata_contracts.goals.calc import BalanceRule, BalanceViolation
from strata_contracts.goals.vocabulary import Level, Perspective


class PerspectiveWeightsSet(BaseModel):
    """Perspective weights (percent, total 100) for a level of the cascade or for one post.
    A post's own weights win over its level's."""

    model_config = ConfigDict(extra="forbid")

    level: Level | None = None
    position_id: UUID | None = None
    weights: dict[Perspective, Percent] = Field(
        description="Percent per perspective; missing perspectives weigh 0."
    )

    @model_validator(mode="after")
    def _one_scope(self) -> Self:
        if (self.level is None) == (self.position_id is None):
            raise ValueError("give exactly one of level and position_id")
        return self


class PerspectiveWeightsRead(BaseModel):
    level: Level | None
    position_id: UUID | None
    weights: dict[Perspective, Decimal]


class BalanceRulesReplace(BaseModel):
    """The tenant's balance rules (replaces them all). With none stored, the default applies:
    the non-financial perspectives together weigh at least 40 %."""

    model_config = ConfigDict(extra="forbid")

    rules: list[BalanceRule] = Field(max_length=50)


class BalanceRulesRead(BaseModel):
    rules: list[BalanceRule]
    default: bool = Field(description="True when no rule is stored and the default applies.")


class PerspectiveMismatch(BaseModel):
    """A post whose indicator weights per perspective differ from its configured ones."""

    perspective: Perspective
    configured: Decimal
    actual: Decimal


class LevelBalance(BaseModel):
    level: Level
    configured: dict[Perspective, Decimal] | None
    violations: list[BalanceViolation]


class PostBalance(BaseModel):
    position_id: UUID
    title: str
    org_unit_id: UUID
    indicators: int
    weight_total: Decimal
    perspective_weights: dict[Perspective, Decimal] = Field(
        description="Sum of the post's indicator weights per perspective, %."
    )
    configured: dict[Perspective, Decimal] | None = Field(
        description="The post's perspective weights (its own, else its level's)."
    )
    configured_source: Literal["post", "level"] | None
    violations: list[BalanceViolation]
    mismatches: list[PerspectiveMismatch]


class BalanceReport(BaseModel):
    rules: list[BalanceRule]
    levels: list[LevelBalance]
    posts: list[PostBalance]


class PerspectiveAttainment(BaseModel):
    """Attainment of one perspective over a group of plans: Σ weight * score / Σ scored
    weight over every scored indicator of that perspective in the group's plans."""

    perspective: Perspective
    attainment: Decimal | None = Field(description="Fraction, 4 places; None if nothing scored.")
    scored_weight: Decimal


class ScorecardEntry(BaseModel):
    kind: Literal["enterprise", "department", "post", "employee"]
    id: UUID
    name: str
    plans: int
    total: Decimal | None = Field(description="Weighted attainment over all perspectives.")
    perspectives: list[PerspectiveAttainment]


class ScorecardReport(BaseModel):
    cycle_id: UUID
    enterprise: ScorecardEntry | None
    departments: list[ScorecardEntry] = Field(description="Each unit with its sub-units.")
    posts: list[ScorecardEntry]
    employees: list[ScorecardEntry]
