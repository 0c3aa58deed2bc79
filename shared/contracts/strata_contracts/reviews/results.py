"""Results: per ratee, per competency and item, per relationship group; anonymised.

The rules (enforced by the service, documented in `strata_reviews.results.anonymity`):
self is shown apart; the supervisor group is shown (named only when the campaign says
so); every other group is shown only with at least k responses, and each of its items
only with at least k ratings. Withheld figures and comments carry a reason code, are
never folded into another group, and `all_raters` figures add up shown cells only, so
subtracting two views recovers nothing that is withheld.
"""

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field

from strata_contracts.reviews.templates import ScaleRead
from strata_contracts.reviews.vocabulary import GroupStatus, Relationship, SuppressionReason


class ScoreCount(BaseModel):
    value: int
    count: int


class Stats(BaseModel):
    count: int = Field(description="Number of ratings.")
    mean: Decimal = Field(description="Mean rating, rounded half-up to 2 decimals.")
    distribution: list[ScoreCount] = Field(description="Ratings per scale value.")


class GroupStats(BaseModel):
    relationship: Relationship
    status: GroupStatus
    reason: SuppressionReason | None = None
    stats: Stats | None = None


class ItemResult(BaseModel):
    item_id: UUID
    text: str
    self_assessment: Stats | None
    all_raters: Stats | None = Field(
        description="Every shown non-self group's ratings together (never a withheld one)."
    )
    groups: list[GroupStats]


class CompetencyResult(BaseModel):
    competency_id: UUID
    key: str
    name: str
    scale_id: UUID
    self_assessment: Stats | None
    all_raters: Stats | None
    groups: list[GroupStats]
    items: list[ItemResult]


class CommentGroup(BaseModel):
    relationship: Relationship
    status: GroupStatus
    reason: SuppressionReason | None = None
    comments: list[str] = Field(
        description="Sorted by text, so their order says nothing about who wrote them."
    )


class QuestionResult(BaseModel):
    item_id: UUID
    text: str
    self_assessment: list[str]
    groups: list[CommentGroup]


class NamedRater(BaseModel):
    employee_id: UUID


class GroupSummary(BaseModel):
    relationship: Relationship
    invited: int | None = Field(
        description="Null for a suppressed anonymous group: below k, no response counts."
    )
    responded: int | None = Field(
        description="Null for a suppressed anonymous group: below k, no response counts."
    )
    status: GroupStatus
    reason: SuppressionReason | None = None
    named_raters: list[NamedRater] = Field(
        default_factory=list,
        description="Only for the supervisor group, and only when the campaign names it.",
    )


class RateeResults(BaseModel):
    campaign_id: UUID
    campaign_name: str
    cycle_id: UUID
    ratee_id: UUID
    ratee_name: str
    anonymity_threshold: int
    closed_at: datetime
    scales: list[ScaleRead]
    groups: list[GroupSummary]
    competencies: list[CompetencyResult]
    questions: list[QuestionResult]


class CompetencySummary(BaseModel):
    competency_id: UUID
    key: str
    name: str
    self_mean: Decimal | None
    all_raters_mean: Decimal | None
    all_raters_count: int


class RateeResultsSummary(BaseModel):
    """One ratee's results of one campaign, per competency (the same anonymised figures)."""

    campaign_id: UUID
    campaign_name: str
    cycle_id: UUID
    ratee_id: UUID
    closed_at: datetime
    competencies: list[CompetencySummary]
