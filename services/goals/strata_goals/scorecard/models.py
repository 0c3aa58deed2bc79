"""Tables of the scorecard configuration."""

import uuid
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKeyConstraint, UniqueConstraint
from sqlmodel import Field

from strata_contracts.goals.calc import BalanceRuleKind
from strata_contracts.goals.vocabulary import Level, Perspective
from strata_goals.models import WEIGHT, GoalsModel, enum_column


class PerspectiveWeight(GoalsModel, table=True):
    """A perspective's weight for a level of the cascade or for one post."""

    __tablename__ = "perspective_weight"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "position_id"], ["position.tenant_id", "position.id"]),
        CheckConstraint("(level IS NULL) <> (position_id IS NULL)", name="one_scope"),
        UniqueConstraint("tenant_id", "level", "perspective"),
        UniqueConstraint("tenant_id", "position_id", "perspective"),
    )

    level: Level | None = Field(default=None, sa_type=enum_column(Level))
    position_id: uuid.UUID | None = None
    perspective: Perspective = Field(sa_type=enum_column(Perspective))
    weight: Decimal = Field(sa_type=WEIGHT)


class BalanceRuleRow(GoalsModel, table=True):
    """A tenant's balance rule (none stored: the default rule applies)."""

    __tablename__ = "balance_rule"
    __table_args__ = (UniqueConstraint("tenant_id", "rule_key"),)

    rule_key: str = Field(max_length=100)
    kind: BalanceRuleKind = Field(sa_type=enum_column(BalanceRuleKind))
    perspectives: list[str] = Field(default_factory=list, sa_type=JSON)
    limit: Decimal | None = Field(default=None, sa_type=WEIGHT)
    description: str = Field(max_length=500)
    position: int = 0
