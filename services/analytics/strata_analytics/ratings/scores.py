"""The 360 competency score of one ratee, from publishable ratings only."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from strata_analytics.projections.models import RatingFact
from strata_analytics.ratings.anonymity import SELF, publishable, verdicts

FOUR = Decimal("0.0001")


@dataclass(frozen=True)
class CompetencyMean:
    competency_id: UUID
    key: str
    name: str
    ratings: int
    mean: Decimal
    scale_min: int
    scale_max: int


@dataclass(frozen=True)
class WithheldGroup:
    relationship: str
    reason: str


@dataclass(frozen=True)
class CompetencyScore:
    """Σ ratings / n per competency over publishable cells (all groups but self pooled, as
    reviews' `all_raters`), the unweighted mean of those competency means, and that mean
    rescaled to a fraction: (mean - scale min) / (scale max - scale min)."""

    campaign_id: UUID
    anonymity_threshold: int
    competencies: list[CompetencyMean]
    withheld: list[WithheldGroup]
    mean: Decimal | None
    score: Decimal | None
    scale_min: int | None
    scale_max: int | None


def competency_score(facts: Sequence[RatingFact]) -> CompetencyScore | None:
    """The score of one ratee in one campaign (`facts` are all of that ratee's ratings)."""
    if not facts:
        return None
    shown = publishable(facts)
    withheld = [
        WithheldGroup(v.relationship, (v.reason.value if v.reason else "item_below_threshold"))
        for v in verdicts(facts).values()
        if not v.shown
    ]
    by_competency: dict[UUID, list[RatingFact]] = defaultdict(list)
    for fact in shown:
        by_competency[fact.competency_id].append(fact)
    means = []
    for competency_id in sorted(by_competency, key=lambda c: by_competency[c][0].competency_key):
        rows = by_competency[competency_id]
        first = rows[0]
        mean = (Decimal(sum(r.value for r in rows)) / len(rows)).quantize(FOUR, ROUND_HALF_UP)
        means.append(
            CompetencyMean(
                competency_id,
                first.competency_key,
                first.competency_name,
                len(rows),
                mean,
                first.scale_min,
                first.scale_max,
            )
        )
    any_fact = facts[0]
    if not means:
        return CompetencyScore(
            any_fact.campaign_id,
            any_fact.anonymity_threshold,
            [],
            sorted(withheld, key=lambda w: w.relationship),
            None,
            None,
            None,
            None,
        )
    overall = (sum((m.mean for m in means), Decimal(0)) / len(means)).quantize(FOUR, ROUND_HALF_UP)
    low, high = min(m.scale_min for m in means), max(m.scale_max for m in means)
    score = ((overall - low) / (high - low)).quantize(FOUR, ROUND_HALF_UP) if high > low else None
    return CompetencyScore(
        any_fact.campaign_id,
        any_fact.anonymity_threshold,
        means,
        sorted(withheld, key=lambda w: w.relationship),
        overall,
        score,
        low,
        high,
    )


def self_ratings(facts: Sequence[RatingFact]) -> list[RatingFact]:
    return [f for f in facts if f.relationship == SELF]
