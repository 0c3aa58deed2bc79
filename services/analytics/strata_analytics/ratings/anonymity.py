"""The anonymity rule of analytics: the same as the reviews service's
(`strata_reviews.results.anonymity`), applied before any figure is computed.

A rating may enter an analytics figure (a 360 score, a rater's leniency, a reliability
coefficient, a report) only if it lies in a cell the reviews service publishes:

1. Self-ratings enter no figure about others (they are reported apart, to the ratee).
2. The supervisor group is never anonymous: its ratings count whenever there are any.
3. An anonymous group (peers, direct reports, customers) of one ratee in one campaign
   counts only with at least k responding raters; otherwise every rating of it is
   withheld, from every figure, and never folded into another group.
4. Inside a counted anonymous group, an item's ratings count only if at least k raters
   rated it.

Because withheld ratings enter no figure at all, no combination of analytics figures
(differences of rollups, a rater's mean, an overall result minus its plan part) can
recover them: `tests/test_anonymity.py` changes a withheld rater's answers and finds
every analytics answer unchanged. Analytics counts responders from the answers it
receives, which can only undercount reviews' count (a response with no rating at all),
so it never shows a group reviews suppresses.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, TypeVar
from uuid import UUID

SELF = "self"
SUPERVISOR = "supervisor"


class Withheld(StrEnum):
    NO_RESPONSES = "no_responses"
    BELOW_THRESHOLD = "below_threshold"
    ITEM_BELOW_THRESHOLD = "item_below_threshold"


class Rating(Protocol):
    campaign_id: UUID
    ratee_id: UUID
    relationship: str
    rater_key: str
    item_id: UUID
    value: int
    anonymity_threshold: int


R = TypeVar("R", bound=Rating)


@dataclass(frozen=True)
class GroupVerdict:
    campaign_id: UUID
    ratee_id: UUID
    relationship: str
    responded: int
    shown: bool
    reason: Withheld | None


def verdicts(ratings: Iterable["Rating"]) -> dict[tuple[UUID, UUID, str], GroupVerdict]:
    """Rule 2 and 3 for every (campaign, ratee, group) present, self excluded."""
    raters: dict[tuple[UUID, UUID, str], set[str]] = defaultdict(set)
    threshold: dict[tuple[UUID, UUID, str], int] = {}
    for r in ratings:
        if r.relationship == SELF:
            continue
        key = (r.campaign_id, r.ratee_id, r.relationship)
        raters[key].add(r.rater_key)
        threshold[key] = r.anonymity_threshold
    out = {}
    for key, who in raters.items():
        anonymous = key[2] != SUPERVISOR
        shown = not anonymous or len(who) >= threshold[key]
        out[key] = GroupVerdict(
            *key,
            responded=len(who),
            shown=shown,
            reason=None if shown else Withheld.BELOW_THRESHOLD,
        )
    return out


def publishable(ratings: Sequence[R]) -> list[R]:
    """The ratings that may enter a figure about others (rules 1 to 4)."""
    groups = verdicts(ratings)
    cells: dict[tuple[UUID, UUID, str, UUID], set[str]] = defaultdict(set)
    for r in ratings:
        if r.relationship != SELF:
            cells[(r.campaign_id, r.ratee_id, r.relationship, r.item_id)].add(r.rater_key)
    out = []
    for r in ratings:
        if r.relationship == SELF:
            continue
        if not groups[(r.campaign_id, r.ratee_id, r.relationship)].shown:
            continue
        if r.relationship != SUPERVISOR:
            cell = cells[(r.campaign_id, r.ratee_id, r.relationship, r.item_id)]
            if len(cell) < r.anonymity_threshold:
                continue
        out.append(r)
    return out
